/**
 * Why a credential was refused, as a closed set of codes. The wire learns only "invalid_token"; the
 * audit log learns the precise reason. `key_set_unavailable` is our outage, not the caller's fault, and
 * is answered with 503 instead of 401 (invariant 5, docs/architecture.md).
 */
export type AuthFailureReason =
  | "missing_credential"
  | "malformed_authorization_header"
  | "unsupported_scheme"
  | "token_in_query"
  | "malformed_token"
  | "algorithm_not_allowed"
  | "hostile_key_header"
  | "unsupported_critical_header"
  | "unknown_key"
  | "bad_signature"
  | "expired"
  | "not_yet_valid"
  | "missing_expiry"
  | "wrong_issuer"
  | "wrong_audience"
  | "missing_tenant"
  | "invalid_tenant"
  | "invalid_claims"
  | "key_set_unavailable";

export type AuthResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: AuthFailureReason };

export function authFailure(reason: AuthFailureReason): { ok: false; reason: AuthFailureReason } {
  return { ok: false, reason };
}
