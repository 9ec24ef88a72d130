/**
 * Who is calling, decided once at the edge. Everything after authentication takes a Principal, never a
 * token, so no later layer can log, forward or re-interpret the credential.
 */
import type { Scope } from "../policy/scopes";

export { SCOPES, type Scope } from "../policy/scopes";

/** `jwt`: an OAuth access token; `api_key`: a key made with `npm run keys` (src/auth/api-key-record.ts). */
export type CredentialKind = "jwt" | "api_key";

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
  /** API keys: the key's id (rate limits and audit follow it across rotations). */
  readonly keyId?: string | undefined;
  /**
   * The client certificate the credential is bound to, if any, as lowercase hex SHA-256: RFC 8705
   * `cnf["x5t#S256"]` of a JWT, or the `--cert` of an API key. Once authentication returns, the request's
   * verified client certificate has been checked against it.
   */
  readonly certificateThumbprint: string | undefined;
  /**
   * Lowercase hex SHA-256 of the client certificate authentication accepted on this request (presented,
   * verified by the edge, not revoked, on MTLS_CERT_FINGERPRINTS when that is set), read once by the
   * client-certificate binding; undefined when none was. The one reading of the certificate that
   * anything after authentication relies on: a `require-certificate` rule is satisfied by this alone.
   */
  readonly acceptedCertificate?: string | undefined;
  /**
   * RFC 9449 `cnf.jkt` (base64url JWK SHA-256 thumbprint): the DPoP key the token is bound to. Once
   * authentication returns, a valid proof signed with that key came with the request.
   */
  readonly dpopThumbprint?: string | undefined;
  /** Seconds since the epoch at which the credential stops being valid (Infinity: an API key without expiry). */
  readonly expiresAt: number;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
