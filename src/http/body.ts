/**
 * Body: reads a JSON-RPC request body under a byte cap, before anything parses it. Past the cap nothing
 * more is kept: the rest is read and dropped only as far as oversized-body.ts looks for the call's id
 * (4× the cap; a declared length beyond that is refused at the edge, unread), so the refusal can be
 * addressed to the call. One message per POST (batches were removed from MCP in 2025-06-18), whose
 * protocol headers must agree with it (protocol-headers.ts).
 */
import type { JsonRpcMessage } from "../mcp/json-rpc-message";
import type { Edge } from "./edge";
import { BodyEnds, bodyTooLarge, drainForId, scanLimit } from "./oversized-body";
import { checkProtocolHeaders } from "./protocol-headers";
import { HttpError, jsonRpcErrorResponse } from "./responses";

const decoder = new TextDecoder();

export function tooLarge(maxBytes: number): HttpError {
  return bodyTooLarge(maxBytes);
}

/**
 * Cheap check at the edge, before authentication: a declared length past what the body stage would
 * even look at (the cap, then the id scan past it: oversized-body.ts) is refused without reading.
 */
export function assertDeclaredLengthWithin(request: Request, maxBytes: number): void {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > scanLimit(maxBytes)))
    throw tooLarge(maxBytes);
}

/** An oversized body's refusal, addressed to its call when its id can be recovered from its ends. */
async function refuseOversized(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
  ends: BodyEnds,
  read: number,
) {
  const drained = await drainForId(reader, ends, read, maxBytes);
  return bodyTooLarge(maxBytes, drained?.id() ?? null);
}

export async function readCappedText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) <= maxBytes) {
    // A declared length within the cap is held to by HTTP framing (RFC 9112 §6.3): read it in one call
    // instead of chunk by chunk, then decode once.
    const bytes = new Uint8Array(await request.arrayBuffer());
    // Belt and braces for a Request handed over in-process, where no HTTP framing enforced the header.
    if (bytes.byteLength > maxBytes) {
      const ends = new BodyEnds();
      ends.add(bytes);
      throw bodyTooLarge(maxBytes, ends.id());
    }
    return decoder.decode(bytes);
  }
  // Chunked, or declared over the cap (but within the scan limit, checked at the edge): count as it
  // arrives; past the cap keep only the ends.
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    chunks.push(value);
    if (total > maxBytes) {
      const ends = new BodyEnds();
      for (const chunk of chunks) ends.add(chunk);
      chunks.length = 0;
      throw await refuseOversized(reader, maxBytes, ends, total);
    }
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
