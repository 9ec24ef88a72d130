/**
 * Who is calling, decided once at the edge. Everything after authentication takes a Principal, never a
 * token, so no later layer can log, forward or re-interpret the credential.
 */
import type { Scope } from "../policy/scopes";

export { SCOPES, type Scope } from "../policy/scopes";

export type CredentialKind = "jwt";

export interface Principal {
  /** The token's `sub`: the identity limits and audit events are keyed on. */
  readonly subject: string;
  /** Raw tenant id from the configured claim; only the sandbox encodes it into storage keys. */
  readonly tenant: string;
  /** As granted to the client; the access policy may narrow them by roles (src/policy/effective-scopes.ts). */
  readonly scopes: ReadonlySet<string>;
  /** From the policy's `rolesClaim` (or an API key's record); empty when the credential names none. */
  readonly roles: readonly string[];
  readonly clientId: string | undefined;
  /** Seconds since the epoch, from `auth_time`, when the IdP provides it. */
  readonly authTime: number | undefined;
  /** Authentication context class reference (`acr`), for step-up rules (RFC 9470). */
  readonly acr: string | undefined;
  readonly credentialKind: CredentialKind;
  /** RFC 8705 `cnf["x5t#S256"]`: the client certificate the token is bound to, if any. */
  readonly certificateThumbprint: string | undefined;
  /** Seconds since the epoch at which the credential stops being valid. */
  readonly expiresAt: number;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
