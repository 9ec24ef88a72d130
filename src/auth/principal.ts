/**
 * Who is calling, decided once at the edge. Everything after authentication takes a Principal, never a
 * token, so no later layer can log, forward or re-interpret the credential.
 */
export const SCOPES = ["files:read", "files:write", "files:delete"] as const;
export type Scope = (typeof SCOPES)[number];

export type CredentialKind = "jwt";

export interface Principal {
  /** The token's `sub`: the identity limits and audit events are keyed on. */
  readonly subject: string;
  /** Raw tenant id from the configured claim; only the sandbox encodes it into storage keys. */
  readonly tenant: string;
  readonly scopes: ReadonlySet<string>;
  readonly roles: readonly string[];
  readonly clientId: string | undefined;
  /** Seconds since the epoch, from `auth_time`, when the IdP provides it. */
  readonly authTime: number | undefined;
  readonly credentialKind: CredentialKind;
  /** RFC 8705 `cnf["x5t#S256"]`: the client certificate the token is bound to, if any. */
  readonly certificateThumbprint: string | undefined;
  /** Seconds since the epoch at which the credential stops being valid. */
  readonly expiresAt: number;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
