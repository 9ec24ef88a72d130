/**
 * HTTP answers that are not produced by the MCP transport. Under `/mcp` they carry a JSON-RPC error body
 * so an MCP client can show them; everywhere else (`/`, metadata, unknown paths) a plain JSON
 * `{"error", "error_description"}` object, the shape OAuth clients parse (RFC 6749 §5.2). `HttpError`
 * carries a complete response through Hono's error handler (the pattern hono's own auth middleware uses).
 */
import { RETRY_AFTER_SECONDS } from "../errors/retry-after";

export { RETRY_AFTER_SECONDS };

/** JSON-RPC codes: -32700 parse, -32600 invalid request, -32000 transport-level (as the SDK uses it). */
export type JsonRpcErrorCode = -32700 | -32600 | -32603 | -32000;

export function jsonRpcErrorResponse(
  status: number,
  code: JsonRpcErrorCode,
  message: string,
  headers: Record<string, string> = {},
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** A plain JSON error for non-MCP paths: a stable `error` code and a human-readable description. */
export function plainErrorResponse(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(readonly response: Response) {
    super(`HTTP ${response.status}`);
  }
}

export function serviceUnavailable(message: string, shape: "json-rpc" | "plain" = "json-rpc"): Response {
  const headers = { "retry-after": String(RETRY_AFTER_SECONDS) };
  return shape === "plain"
    ? plainErrorResponse(503, "temporarily_unavailable", message, headers)
    : jsonRpcErrorResponse(503, -32000, message, headers);
}

/**
 * `response` with `headers` set: in place when its headers can be changed (every Response built in this
 * Worker, the SDK's included, is this request's own), otherwise on a copy (a Response from fetch has
 * immutable headers: setting one throws a TypeError before anything changes).
 */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  const entries = Object.entries(headers);
  try {
    for (const [name, value] of entries) response.headers.set(name, value);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  const copy = new Response(response.body, response);
  for (const [name, value] of entries) copy.headers.set(name, value);
  return copy;
}
