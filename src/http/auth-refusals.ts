/**
 * Every authentication failure reason → what the wire says, in one exhaustive table: a new reason in
 * `AuthFailureReason` does not compile until it has a row here.
 *
 * The wire learns little: RFC 6750 §3.1 error codes (`invalid_request`, `invalid_token`) and a generic
 * message; the precise reason goes to the security log only. No credential sent → a plain challenge
 * without an error code (§3.1). Our own outages → 503 + Retry-After, never a 401 that blames the caller
 * (DESIGN invariant 5); our own bug (a corrupt stored record) → 500.
 */
import type { AuthFailureReason } from "../auth/auth-failure";
import type { DpopError } from "./challenge";

/** Our own public values (see the metadata), which a refusal may name. */
export interface ExpectedValues {
  readonly issuer: string;
  readonly audience: string;
}

export type AuthRefusal =
  | {
      readonly status: 401;
      /** The challenge's `error` parameter; absent when no usable credential was sent at all. */
      readonly error: DpopError | undefined;
      /**
       * `error_description` and the message, for the few mistakes a caller can fix from it (a token for
       * another audience, e.g. another dev port). Only our own public values, never anything from the token.
       */
      readonly describe?: (expected: ExpectedValues) => string;
      /**
       * Which challenge carries the error: the DPoP one for proof failures (RFC 9449 §7.1); otherwise the
       * one of the scheme the request used.
       */
      readonly challenge?: "dpop";
    }
  | {
      readonly status: 503;
      /** The request log's errorCode (which dependency failed). */
      readonly errorCode: string;
      readonly message: string;
    }
  | { readonly status: 500; readonly errorCode: string };

const NO_CREDENTIAL: AuthRefusal = { status: 401, error: undefined };
const INVALID_REQUEST: AuthRefusal = { status: 401, error: "invalid_request" };
const INVALID_TOKEN: AuthRefusal = { status: 401, error: "invalid_token" };
const INVALID_DPOP_PROOF: AuthRefusal = { status: 401, error: "invalid_dpop_proof", challenge: "dpop" };
const KEY_SET_UNAVAILABLE = {
  status: 503,
  errorCode: "jwks_unavailable",
  message: "Authorization server keys are temporarily unavailable; retry later",
} as const;

export const AUTH_REFUSALS: Readonly<Record<AuthFailureReason, AuthRefusal>> = {
  missing_credential: NO_CREDENTIAL,
  unsupported_scheme: NO_CREDENTIAL,
  malformed_authorization_header: INVALID_REQUEST,
  token_in_query: {
    status: 401,
    error: "invalid_request",
    describe: () => "Send the access token in the Authorization header only",
  },
  malformed_token: INVALID_TOKEN,
  algorithm_not_allowed: INVALID_TOKEN,
  hostile_key_header: INVALID_TOKEN,
  unsupported_critical_header: INVALID_TOKEN,
  unknown_key: INVALID_TOKEN,
  bad_signature: INVALID_TOKEN,
  expired: INVALID_TOKEN,
  not_yet_valid: INVALID_TOKEN,
  missing_expiry: INVALID_TOKEN,
  wrong_issuer: {
    status: 401,
    error: "invalid_token",
    describe: ({ issuer }) => `The access token is from another issuer; this server trusts only ${issuer}`,
  },
  wrong_audience: {
    status: 401,
    error: "invalid_token",
    describe: ({ audience }) => `The access token is for another audience; this server accepts only aud ${audience}`,
  },
  missing_tenant: INVALID_TOKEN,
  invalid_tenant: INVALID_TOKEN,
  invalid_claims: INVALID_TOKEN,
  key_set_unavailable: KEY_SET_UNAVAILABLE,
  // The same answer on the wire (a caller cannot tell which); unlike our outage alone, they cost the
  // caller's IP (isOurOutage in src/auth/auth-failure.ts).
  key_set_unavailable_unknown_key: KEY_SET_UNAVAILABLE,
  key_set_unavailable_bad_signature: KEY_SET_UNAVAILABLE,
  malformed_api_key: INVALID_TOKEN,
  unknown_api_key: INVALID_TOKEN,
  api_key_secret_mismatch: INVALID_TOKEN,
  api_key_revoked: INVALID_TOKEN,
  api_key_expired: INVALID_TOKEN,
  api_key_rotated: INVALID_TOKEN,
  api_key_role_undeclared: INVALID_TOKEN,
  api_key_record_invalid: { status: 500, errorCode: "api_key_record_invalid" },
  client_certificate_missing: INVALID_TOKEN,
  client_certificate_unverified: INVALID_TOKEN,
  client_certificate_revoked: INVALID_TOKEN,
  client_certificate_not_allowed: INVALID_TOKEN,
  certificate_binding_mismatch: INVALID_TOKEN,
  dpop_bound_token_as_bearer: INVALID_TOKEN,
  dpop_token_not_bound: INVALID_TOKEN,
  dpop_proof_missing: INVALID_DPOP_PROOF,
  dpop_proof_malformed: INVALID_DPOP_PROOF,
  dpop_proof_invalid: INVALID_DPOP_PROOF,
  dpop_method_mismatch: INVALID_DPOP_PROOF,
  dpop_url_mismatch: INVALID_DPOP_PROOF,
  dpop_proof_stale: INVALID_DPOP_PROOF,
  dpop_token_hash_mismatch: INVALID_DPOP_PROOF,
  dpop_key_mismatch: INVALID_DPOP_PROOF,
  dpop_proof_replayed: INVALID_DPOP_PROOF,
  sender_constraint_required: INVALID_TOKEN,
  replay_cache_unavailable: {
    status: 503,
    errorCode: "replay_cache_unavailable",
    message: "DPoP proof checking is temporarily unavailable; retry later",
  },
  api_key_store_unavailable: {
    status: 503,
    errorCode: "api_key_store_unavailable",
    message: "The API key store is temporarily unavailable; retry later",
  },
};

export function toAuthRefusal(reason: AuthFailureReason): AuthRefusal {
  return AUTH_REFUSALS[reason];
}

/** The description a refusal carries on the wire, if any. */
export function describeAuthFailure(reason: AuthFailureReason, expected: ExpectedValues): string | undefined {
  const refusal = AUTH_REFUSALS[reason];
  return refusal.status === 401 ? refusal.describe?.(expected) : undefined;
}
