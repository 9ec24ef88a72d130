/**
 * The seam between "which credential is this" and "is it good": authentication holds a list of
 * verifiers and asks the first whose shape matches (a JWT has three dot-separated parts; an API key is
 * `r2mcp_<keyId>_<secret>`, which never looks like a JWT). Shapes are disjoint, so the order of the list
 * decides nothing, and a credential is only ever tried against one verifier.
 */
import type { AuthResult } from "./auth-failure";
import type { CredentialKind, Principal } from "./principal";

export interface CredentialVerifier {
  readonly kind: CredentialKind;
  /** Cheap, pure shape test; no I/O, no crypto. */
  matches(token: string): boolean;
  verify(token: string, now: Date): Promise<AuthResult<Principal>>;
}

/**
 * Anything with a dot is handed to the JWT verifier, even when it is not three clean segments (a JWE, an
 * unencoded payload): jose then names the precise reason for the audit log. An API key has no dot.
 */
export function looksLikeJwt(token: string): boolean {
  return token.includes(".");
}

export function selectVerifier(
  verifiers: readonly CredentialVerifier[],
  token: string,
): CredentialVerifier | undefined {
  return verifiers.find((verifier) => verifier.matches(token));
}
