/**
 * Reads a JSON-RPC request body under a byte cap, before anything parses it: a declared
 * `Content-Length` over the cap is refused without reading, and a chunked body is cut off as soon as it
 * passes the cap. One message per POST (batches were removed from MCP in 2025-06-18).
 */
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

export type JsonRpcMessage = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

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
