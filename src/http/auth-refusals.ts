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
import type { BearerError } from "./challenge";

export type AuthRefusal =
  | {
      readonly status: 401;
      /** The challenge's `error` parameter; absent when no usable credential was sent at all. */
      readonly error: BearerError | undefined;
      readonly description?: string;
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

export const AUTH_REFUSALS: Readonly<Record<AuthFailureReason, AuthRefusal>> = {
  missing_credential: NO_CREDENTIAL,
  unsupported_scheme: NO_CREDENTIAL,
  malformed_authorization_header: INVALID_REQUEST,
  token_in_query: {
    status: 401,
    error: "invalid_request",
    description: "Send the access token in the Authorization header only",
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
  wrong_issuer: INVALID_TOKEN,
  wrong_audience: INVALID_TOKEN,
  missing_tenant: INVALID_TOKEN,
  invalid_tenant: INVALID_TOKEN,
  invalid_claims: INVALID_TOKEN,
  key_set_unavailable: {
    status: 503,
    errorCode: "jwks_unavailable",
    message: "Authorization server keys are temporarily unavailable; retry later",
  },
  malformed_api_key: INVALID_TOKEN,
  unknown_api_key: INVALID_TOKEN,
  api_key_secret_mismatch: INVALID_TOKEN,
  api_key_revoked: INVALID_TOKEN,
  api_key_expired: INVALID_TOKEN,
  api_key_rotated: INVALID_TOKEN,
  api_key_record_invalid: { status: 500, errorCode: "api_key_record_invalid" },
  client_certificate_missing: INVALID_TOKEN,
  client_certificate_unverified: INVALID_TOKEN,
  client_certificate_revoked: INVALID_TOKEN,
  client_certificate_not_allowed: INVALID_TOKEN,
  certificate_binding_mismatch: INVALID_TOKEN,
  api_key_store_unavailable: {
    status: 503,
    errorCode: "api_key_store_unavailable",
    message: "The API key store is temporarily unavailable; retry later",
  },
};

export function toAuthRefusal(reason: AuthFailureReason): AuthRefusal {
  return AUTH_REFUSALS[reason];
}
