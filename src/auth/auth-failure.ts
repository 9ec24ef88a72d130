/**
 * Why a credential was refused, as a closed set of codes. The wire learns little (src/http/auth-refusals.ts
 * maps every code, exhaustively); the audit log learns the precise reason. Audit and alerting may map
 * `AuthFailureReason` (or iterate `AUTH_FAILURE_REASONS`) and rely on it being complete.
 * `key_set_unavailable`, `api_key_store_unavailable` and `replay_cache_unavailable` are our outages, not
 * the caller's fault, and are answered with 503 instead of 401 (invariant 5, docs/architecture.md); a corrupt stored
 * API key record (`api_key_record_invalid`) is our bug and answered with 500.
 * `key_set_unavailable_unknown_key` and `key_set_unavailable_bad_signature` are answered 503 too (the key
 * set could not be fetched to confirm), but what failed is the caller's choice: a `kid` the keys we hold
 * lack, a signature the key we hold for its `kid` rejects. They count against the caller like a 401.
 */
export const AUTH_FAILURE_REASONS = [
  // The Authorization header itself.
  "missing_credential",
  "malformed_authorization_header",
  "unsupported_scheme",
  "token_in_query",
  "malformed_token",
  // JWT access tokens.
  "algorithm_not_allowed",
  "hostile_key_header",
  "unsupported_critical_header",
  "unknown_key",
  "bad_signature",
  "expired",
  "not_yet_valid",
  "missing_expiry",
  "wrong_issuer",
  "wrong_audience",
  "missing_tenant",
  "invalid_tenant",
  "invalid_claims",
  "key_set_unavailable",
  "key_set_unavailable_unknown_key",
  "key_set_unavailable_bad_signature",
  // API keys.
  "malformed_api_key",
  "unknown_api_key",
  "api_key_secret_mismatch",
  "api_key_revoked",
  "api_key_expired",
  "api_key_rotated",
  // A key created with --role is granted every scope and relies on ACCESS_POLICY to narrow it to the
  // role's; without that role in the policy nothing would narrow it, so the key is refused (fail closed).
  "api_key_role_undeclared",
  "api_key_record_invalid",
  "api_key_store_unavailable",
  // Client certificates (mTLS, RFC 8705).
  "client_certificate_missing",
  "client_certificate_unverified",
  "client_certificate_revoked",
  "client_certificate_not_allowed",
  "certificate_binding_mismatch",
  // DPoP (RFC 9449) and sender-constrained tokens.
  "dpop_bound_token_as_bearer",
  "dpop_token_not_bound",
  "dpop_proof_missing",
  "dpop_proof_malformed",
  "dpop_proof_invalid",
  "dpop_method_mismatch",
  "dpop_url_mismatch",
  "dpop_proof_stale",
  "dpop_token_hash_mismatch",
  "dpop_key_mismatch",
  "dpop_proof_replayed",
  "replay_cache_unavailable",
  "sender_constraint_required",
] as const;

export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

/**
 * Refusals for which only our outage is to blame: the caller pays nothing for them. Every other refusal
 * costs the caller's IP a unit (src/http/authenticate.ts), 503s included, and is a failed authentication
 * in the audit trail (and so for the failed-authentication detectors). docs/authentication.md, "Who pays
 * for a refusal".
 */
export const OUR_OUTAGES: readonly AuthFailureReason[] = [
  "key_set_unavailable",
  "api_key_store_unavailable",
  "replay_cache_unavailable",
];

/** Takes a string because logged reasons are strings; an unknown one is not an outage. */
export function isOurOutage(reason: string): boolean {
  return (OUR_OUTAGES as readonly string[]).includes(reason);
}

export type AuthResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: AuthFailureReason };

export function authFailure(reason: AuthFailureReason): { ok: false; reason: AuthFailureReason } {
  return { ok: false, reason };
}

export function authSuccess<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}
