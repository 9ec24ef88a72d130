/**
 * The protocol-header stage: which era a POST belongs to, and the 2026-07-28 wire rules checked before
 * any limit, scope or tool decision is taken from the body. Pure (headers + parsed body in, era or a
 * complete 400 out).
 *
 * - Era: body-primary, by the SDK's own classifier (`classifyInboundRequest`): a request whose params
 *   carry the `_meta` envelope (`io.modelcontextprotocol/protocolVersion`) is modern; anything else is
 *   2025-era. The SDK's handler classifies the same way later, so the two can never disagree.
 * - Unknown revisions (a `MCP-Protocol-Version` header or an envelope naming a revision we do not serve)
 *   → 400 with `-32022` and `data: { supported, requested }` (2026-07-28 "Versioning").
 * - Header/body agreement (SEP-2243, "Standard Request Headers"): on a modern request
 *   `MCP-Protocol-Version` and `Mcp-Method` are required and must equal the body's revision and method;
 *   `Mcp-Name` is required where the body has `params.name` / `params.uri` / `params.taskId` and must
 *   equal it (`=?base64?…?=` values decoded first) → 400 with `-32020` otherwise.
 * Headers are never trusted on their own: whatever the pipeline later reads from the body (the tool,
 * hence scope and cost) is what the headers were just checked to agree with.
 */
import { classifyInboundRequest } from "@modelcontextprotocol/server";
import { toToolListing } from "../mcp/mcp-server";
import { checkParamHeaders, paramHeaderDeclarations } from "../mcp/param-headers";
import { isModernRevision, isServedRevision, SERVED_REVISIONS } from "../mcp/protocol-revisions";
import { loadedToolRegistry } from "../tools/tool-registry-loader";
import type { JsonRpcMessage } from "./body";
import { HttpError } from "./responses";

/** 2026-07-28 error codes (schema constants HEADER_MISMATCH, UNSUPPORTED_PROTOCOL_VERSION). */
export const HEADER_MISMATCH = -32020;
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

export type ProtocolEra = "modern" | "legacy";

/** Which body field `Mcp-Name` mirrors, per method (SEP-2243; `tasks/*` per SEP-2663). */
const MCP_NAME_SOURCE: Readonly<Record<string, "name" | "uri" | "taskId">> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

const BASE64_SENTINEL = /^=\?base64\?(.*)\?=$/s;
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function idOf(message: JsonRpcMessage): string | number | null {
  return typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
}

function badRequest(message: JsonRpcMessage, code: number, text: string, data?: unknown): HttpError {
  const body = { jsonrpc: "2.0", id: idOf(message), error: { code, message: text, ...(data ? { data } : {}) } };
  return new HttpError(
    new Response(JSON.stringify(body), { status: 400, headers: { "content-type": "application/json" } }),
  );
}

function unsupported(message: JsonRpcMessage, requested: string): HttpError {
  return badRequest(message, UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", {
    supported: [...SERVED_REVISIONS],
    requested,
  });
}

function mismatch(message: JsonRpcMessage, header: string, problem: string): HttpError {
  return badRequest(message, HEADER_MISMATCH, `Bad Request: ${problem}`, { mismatch: { header } });
}

/** RFC 9110 §5.5: a field value without its surrounding optional whitespace; absent stays absent. */
function headerValue(headers: Headers, name: string): string | undefined {
  return headers.get(name)?.replace(/^[\t ]+|[\t ]+$/g, "") ?? undefined;
}

/** SEP-2243: `=?base64?…?=` carries UTF-8 that is not safe in a header; undefined when malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  const sentinel = BASE64_SENTINEL.exec(value);
  if (!sentinel) return value;
  const encoded = sentinel[1] ?? "";
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0));
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function checkNameHeader(headers: Headers, message: JsonRpcMessage, method: string): void {
  const field = Object.hasOwn(MCP_NAME_SOURCE, method) ? MCP_NAME_SOURCE[method] : undefined;
  if (field === undefined) return;
  const params = message.params;
  const raw = params !== null && typeof params === "object" ? (params as Record<string, unknown>)[field] : undefined;
  // No string to mirror: the body is invalid anyway, and the SDK answers that with -32602.
  if (typeof raw !== "string") return;
  const header = headerValue(headers, "mcp-name");
  if (header === undefined) throw mismatch(message, "Mcp-Name", `the required Mcp-Name header is absent`);
  const decoded = decodeHeaderValue(header);
  if (decoded === undefined) throw mismatch(message, "Mcp-Name", "the Mcp-Name header is not valid Base64 UTF-8");
  if (decoded !== raw) throw mismatch(message, "Mcp-Name", `the Mcp-Name header does not match params.${field}`);
}

/** SEP-2243 Mcp-Param-* headers of a tools/call against the arguments they mirror (src/mcp/param-headers.ts). */
function checkToolParamHeaders(headers: Headers, message: JsonRpcMessage): void {
  const params = (message.params ?? {}) as { name?: unknown; arguments?: unknown };
  const tool = typeof params.name === "string" ? loadedToolRegistry().findTool(params.name) : undefined;
  // An unknown tool declares nothing; the call is refused as unknown later.
  if (!tool) return;
  const problem = checkParamHeaders(
    paramHeaderDeclarations(toToolListing(tool).inputSchema),
    params.arguments,
    (name) => headerValue(headers, name),
    decodeHeaderValue,
  );
  if (problem) throw mismatch(message, problem.header, problem.problem);
}

/** The era of this POST, or the complete 400 that refuses it. */
export function checkProtocolHeaders(headers: Headers, message: JsonRpcMessage): ProtocolEra {
  const protocolVersionHeader = headerValue(headers, "mcp-protocol-version");
  const mcpMethodHeader = headerValue(headers, "mcp-method");
  const mcpNameHeader = headerValue(headers, "mcp-name");
  if (protocolVersionHeader !== undefined && !isServedRevision(protocolVersionHeader)) {
    throw unsupported(message, protocolVersionHeader);
  }
  const outcome = classifyInboundRequest({
    httpMethod: "POST",
    ...(protocolVersionHeader !== undefined ? { protocolVersionHeader } : {}),
    ...(mcpMethodHeader !== undefined ? { mcpMethodHeader } : {}),
    ...(mcpNameHeader !== undefined ? { mcpNameHeader } : {}),
    body: message,
  });
  if (outcome.kind === "reject") {
    if (outcome.code === UNSUPPORTED_PROTOCOL_VERSION) throw unsupported(message, "unknown");
    throw badRequest(message, outcome.code, outcome.message, outcome.data);
  }
  if (outcome.kind === "legacy") return "legacy";
  const revision = outcome.classification.revision;
  if (revision === undefined || !isModernRevision(revision)) throw unsupported(message, revision ?? "unknown");
  // Notifications are exempt from the presence rules ("header requirements for notification POSTs are
  // not defined" in 2026-07-28).
  if (outcome.messageKind !== "request") return "modern";
  const method = outcome.message.method;
  if (protocolVersionHeader === undefined) {
    throw mismatch(message, "MCP-Protocol-Version", "the required MCP-Protocol-Version header is absent");
  }
  if (mcpMethodHeader === undefined) throw mismatch(message, "Mcp-Method", "the required Mcp-Method header is absent");
  checkNameHeader(headers, message, method);
  if (method === "tools/call") checkToolParamHeaders(headers, message);
  return "modern";
}
