/**
 * One JSON-RPC message as the body stage hands it on: parsed JSON, not yet validated by the SDK. Its own
 * module so the HTTP layer (which reads it) and the MCP layer (which answers it) share the type without
 * importing each other.
 */
export type JsonRpcMessage = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
