/**
 * Browser-origin policy (DNS-rebinding protection, MCP transport spec "Security Warning"): a request that
 * carries an `Origin` must come from this server's own origin or from `ALLOWED_ORIGINS`, else 403.
 * Requests without `Origin` are server-side agents and go on to authentication. Pure.
 */
export function isOriginAllowed(origin: string | null, requestUrl: string, allowedOrigins: readonly string[]): boolean {
  if (origin === null) return true;
  if (origin === new URL(requestUrl).origin) return true;
  return allowedOrigins.includes(origin);
}

/** Headers a browser client needs to read our answers and to send MCP requests cross-origin. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers":
      "WWW-Authenticate, Retry-After, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id, RateLimit, RateLimit-Policy",
    vary: "Origin",
  };
}

export function preflightHeaders(origin: string): Record<string, string> {
  return {
    ...corsHeaders(origin),
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-headers":
      "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID",
    "access-control-max-age": "600",
  };
}
