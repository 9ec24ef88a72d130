/**
 * The credential a request presents, from the `Authorization` header (RFC 6750 §2.1) and nowhere else.
 * A token in the query string is refused outright: URLs end up in logs, proxies and browser history (MCP
 * authorization spec, "Token Requirements"). Pure.
 */
import { type AuthResult, authFailure } from "./auth-failure";

/** RFC 6750 Bearer, or RFC 9449 §7.1 DPoP (a DPoP-bound token with a proof in the `DPoP` header). */
export type AuthScheme = "bearer" | "dpop";

export interface PresentedCredential {
  readonly scheme: AuthScheme;
  /** The token or API key, exactly as sent. Never logged, never passed beyond authentication. */
  readonly token: string;
}

// RFC 6750 b64token; anything else in the header is malformed, not "missing".
const CREDENTIAL = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*) *$/;

// A Map: the scheme is the caller's text, and "constructor" must not find Object.prototype's member.
const SCHEMES: ReadonlyMap<string, AuthScheme> = new Map([
  ["bearer", "bearer"],
  ["dpop", "dpop"],
]);

/** The scheme the request used, if it is one of ours (for choosing which challenge carries the error). */
export function schemeOf(header: string | null): AuthScheme | undefined {
  const name = header?.trimStart().split(" ", 1)[0] ?? "";
  return SCHEMES.get(name.toLowerCase());
}

export function parseAuthorization(url: string, header: string | null): AuthResult<PresentedCredential> {
  if (new URL(url).searchParams.has("access_token")) return authFailure("token_in_query");
  if (header === null || header.trim() === "") return authFailure("missing_credential");
  // Another scheme (Basic, Token, …) is not a credential we take at all: RFC 6750 §3.1 answers it with a
  // plain challenge, without an error code.
  const scheme = schemeOf(header);
  if (scheme === undefined) return authFailure("unsupported_scheme");
  const match = CREDENTIAL.exec(header);
  if (!match?.[2]) return authFailure("malformed_authorization_header");
  return { ok: true, value: { scheme, token: match[2] } };
}
