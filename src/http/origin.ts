/**
 * Browser-origin policy (DNS-rebinding protection, MCP transport spec "Security Warning"): a request that
 * carries an `Origin` must come from this server's own origin or from `ALLOWED_ORIGINS`, else 403.
 * The server's own origin is the origin of `OAUTH_AUDIENCE` (its canonical URL), never the request's
 * `Host`: a rebinding page controls both `Host` and `Origin` (`Host: evil.example`,
 * `Origin: http://evil.example`), so an origin derived from `Host` would always "match".
 * Requests without `Origin` are server-side agents and go on to authentication. Pure.
 */
import type { Config } from "../config/config";

export function isOriginAllowed(origin: string | null, config: Pick<Config, "audience" | "allowedOrigins">): boolean {
  if (origin === null) return true;
  if (origin === new URL(config.audience).origin) return true;
  return config.allowedOrigins.includes(origin);
}

/**
 * Headers a browser needs to read our answers (Fetch standard, CORS protocol): exactly the non-safelisted
 * response headers this server sends — the Bearer challenge, the RateLimit fields, Retry-After and the
 * request id. Sessions are never issued, so no `Mcp-Session-Id`.
 */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers":
      "WWW-Authenticate, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id",
    vary: "Origin",
  };
}

/**
 * The request headers MCP clients send, on every route they call: credentials (`Authorization`, `DPoP`),
 * the JSON body and the streamable-HTTP `Accept`, and the protocol headers of both eras
 * (`MCP-Protocol-Version`, which SDK clients also send on their metadata requests; 2026-07-28's
 * `Mcp-Method`, `Mcp-Name` and the `Mcp-Param-*` headers our tools declare: src/mcp/param-headers.ts).
 */
const CLIENT_HEADERS =
  "Authorization, DPoP, Content-Type, Accept, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-Path, Mcp-Param-Source, Mcp-Param-Destination";

/**
 * What a preflight from an allowed origin is told, per route. On /mcp: POST, and GET and DELETE too
 * (with GET's `Last-Event-ID`), so that a browser client's SSE or session-end attempt reads the 405 that
 * says this server is stateless instead of failing as a network error. Everywhere else (discovery,
 * metadata, health, unknown paths): GET.
 */
export function preflightHeaders(origin: string, path: string): Record<string, string> {
  const mcp = path === "/mcp";
  return {
    ...corsHeaders(origin),
    "access-control-allow-methods": mcp ? "GET, POST, DELETE, OPTIONS" : "GET, OPTIONS",
    "access-control-allow-headers": mcp ? `${CLIENT_HEADERS}, Last-Event-ID` : CLIENT_HEADERS,
    "access-control-max-age": "600",
  };
}
