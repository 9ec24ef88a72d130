/**
 * Extracts a bearer token from the `Authorization` header (RFC 6750 §2.1) and nowhere else. A token in
 * the query string is refused outright: URLs end up in logs, proxies and browser history (MCP
 * authorization spec, "Token Requirements").
 */
import { type AuthResult, authFailure } from "./auth-failure";

// RFC 6750 b64token; anything else in the header is malformed, not "missing".
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function extractBearerToken(request: Request): AuthResult<string> {
  const url = new URL(request.url);
  if (url.searchParams.has("access_token")) return authFailure("token_in_query");
  const header = request.headers.get("authorization");
  if (header === null || header.trim() === "") return authFailure("missing_credential");
  // Another scheme (Basic, Token, …) is not a bearer credential at all: RFC 6750 §3.1 answers it with a
  // plain challenge, without an error code.
  const scheme = header.trimStart().split(" ", 1)[0] ?? "";
  if (scheme.toLowerCase() !== "bearer") return authFailure("unsupported_scheme");
  const match = BEARER.exec(header);
  if (!match?.[1]) return authFailure("malformed_authorization_header");
  return { ok: true, value: match[1] };
}
