/**
 * Body: reads a JSON-RPC request body under a byte cap, before anything parses it: a declared
 * `Content-Length` over the cap is refused at the edge without reading, and a chunked body is cut off as
 * soon as it passes the cap. One message per POST (batches were removed from MCP in 2025-06-18), whose
 * protocol headers must agree with it (protocol-headers.ts).
 */
import type { JsonRpcMessage } from "../mcp/json-rpc-message";
import type { Edge } from "./edge";
import { checkProtocolHeaders } from "./protocol-headers";
import { HttpError, jsonRpcErrorResponse } from "./responses";

const decoder = new TextDecoder();

export function tooLarge(maxBytes: number): HttpError {
  return new HttpError(jsonRpcErrorResponse(413, -32000, `Request body exceeds ${maxBytes} bytes`));
}

/** Cheap check at the edge, before authentication. */
export function assertDeclaredLengthWithin(request: Request, maxBytes: number): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > maxBytes)) throw tooLarge(maxBytes);
}

export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    // A declared length was checked against the cap at the edge, and HTTP framing holds the body to
    // it (RFC 9112 §6.3): read it in one call instead of chunk by chunk, then decode once.
    if (!/^\d+$/.test(declared) || Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const bytes = await request.arrayBuffer();
    // Belt and braces for a Request handed over in-process, where no HTTP framing enforced the header.
    if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
    return decoder.decode(bytes);
  }
  // Chunked (no declared length): count as it arrives and stop at the cap.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return decoder.decode(bytes);
}

export type { JsonRpcMessage };

export function parseSingleMessage(text: string): JsonRpcMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(jsonRpcErrorResponse(400, -32700, "Parse error: body is not valid JSON"));
  }
  if (Array.isArray(parsed)) {
    throw new HttpError(
      jsonRpcErrorResponse(
        400,
        -32600,
        "Invalid Request: JSON-RPC batches are not supported; send one message per POST",
      ),
    );
  }
  if (parsed === null || typeof parsed !== "object") {
    throw new HttpError(jsonRpcErrorResponse(400, -32600, "Invalid Request: expected one JSON-RPC message object"));
  }
  return parsed as JsonRpcMessage;
}

/** The one message of this POST, with what later stages need from it. */
export interface ParsedMessage {
  readonly message: JsonRpcMessage;
  /** The JSON-RPC id, for error answers about this message; null for notifications and odd ids. */
  readonly id: string | number | null;
}

export async function readMessage(edge: Edge): Promise<ParsedMessage> {
  const message = parseSingleMessage(await readCappedText(edge.request, edge.state.config.maxRequestBytes));
  edge.audit.message(message);
  // 2026-07-28 header/body agreement and revision checks, before any decision is taken from the body.
  checkProtocolHeaders(edge.request.headers, message);
  if (typeof message.method === "string") edge.log.set({ rpcMethod: message.method.slice(0, 64) });
  const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
  return { message, id };
}
