/**
 * Body: reads a JSON-RPC request body under a byte cap, before anything parses it. Past the cap nothing
 * more is kept: the rest is read and dropped only as far as oversized-body.ts looks for the call's id
 * (4× the cap; a declared length beyond that is refused at the edge, unread), so the refusal can be
 * addressed to the call. One message per POST (batches were removed from MCP in 2025-06-18; batch.ts
 * serves them to 2025-03-26 clients, one member at a time), whose protocol headers must agree with it
 * (protocol-headers.ts, checked when the message is accepted: accept-message.ts).
 */
import type { JsonRpcMessage } from "../mcp/json-rpc-message";
import type { Edge } from "./edge";
import { BodyEnds, bodyTooLarge, drainForId, scanLimit } from "./oversized-body";
import type { ProtocolEra } from "./protocol-headers";
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

/** The body as JSON: one message object, or a JSON-RPC batch (an array, judged by batch.ts). */
export type ParsedBody =
  | { readonly kind: "single"; readonly message: JsonRpcMessage }
  | { readonly kind: "batch"; readonly messages: readonly unknown[] };

export function parseBody(text: string): ParsedBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(jsonRpcErrorResponse(400, -32700, "Parse error: body is not valid JSON"));
  }
  if (Array.isArray(parsed)) return { kind: "batch", messages: parsed };
  return { kind: "single", message: asMessage(parsed) };
}

/** One JSON-RPC message object, or the 400 that refuses anything else. */
export function asMessage(value: unknown): JsonRpcMessage {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(jsonRpcErrorResponse(400, -32600, "Invalid Request: expected one JSON-RPC message object"));
  }
  return value as JsonRpcMessage;
}

/** A body that must be one message (batches are refused: MCP 2025-06-18 removed them). */
export function parseSingleMessage(text: string): JsonRpcMessage {
  const body = parseBody(text);
  if (body.kind === "batch") throw batchesRefused();
  return body.message;
}

export function batchesRefused(): HttpError {
  return new HttpError(
    jsonRpcErrorResponse(
      400,
      -32600,
      "Invalid Request: JSON-RPC batches are served only to MCP 2025-03-26 clients (MCP-Protocol-Version " +
        "2025-03-26 or absent); send one message per POST",
    ),
  );
}

/** The one message of this POST, with what later stages need from it. */
export interface ParsedMessage {
  readonly message: JsonRpcMessage;
  /** The JSON-RPC id, for error answers about this message; null for notifications and odd ids. */
  readonly id: string | number | null;
  /** The protocol era the SDK's classifier gave this message (protocol-headers.ts). */
  readonly era: ProtocolEra;
}

export async function readBody(edge: Edge): Promise<ParsedBody> {
  return parseBody(await readCappedText(edge.request, edge.state.config.maxRequestBytes));
}
