/**
 * The answer to a body over MAX_REQUEST_BYTES, made so a model can act on it: it names the cap and what
 * to do instead (write in parts with append_file), and, when the call's JSON-RPC id can be recovered
 * cheaply, it is a JSON-RPC error *for that call* (HTTP 200), which every client hands to the caller of
 * that request; a 413 is a transport error that clients raise without relating it to any call.
 *
 * Recovering the id costs no parsing of the body: the bytes past the cap are read and dropped (never
 * held), keeping only the first and last KEEP_BYTES. An MCP client puts the id either near the start
 * (`{"jsonrpc":"2.0","id":5,…`) or last (`…,"jsonrpc":"2.0","id":5}`, the SDKs' order), both outside
 * `params`. Reading stops at ID_SCAN_FACTOR × the cap; past that the answer is a plain 413 (and a declared
 * length past it is refused at the edge, before authentication). The id only addresses the error back
 * to its own sender, so a forged one gains nothing.
 */
import { formatBytes, writeInParts } from "../files/size-advice";
import { HttpError, jsonRpcErrorResponse } from "./responses";

/** How far past the cap a body is read (and dropped) to find its id. */
export const ID_SCAN_FACTOR = 4;
const KEEP_BYTES = 512;

const ID_VALUE = String.raw`(-?(?:0|[1-9]\d{0,15})|"(?:[^"\\\u0000-\u001f]|\\.){0,128}")`;
const SHORT_MEMBER = String.raw`"(?:jsonrpc|method)"\s*:\s*"(?:[^"\\]|\\.){0,128}"`;
const ID_AT_START = new RegExp(String.raw`^\s*\{(?:\s*${SHORT_MEMBER}\s*,)*\s*"id"\s*:\s*${ID_VALUE}\s*[,}]`);
const ID_AT_END = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${ID_VALUE}\s*(?:,\s*${SHORT_MEMBER}\s*)*\}\s*$`);

export function scanLimit(maxBytes: number): number {
  return maxBytes * ID_SCAN_FACTOR;
}

/** The first and last bytes of a body, collected as it streams past. */
export class BodyEnds {
  private head: Uint8Array = new Uint8Array(0);
  private tail: Uint8Array = new Uint8Array(0);

  add(chunk: Uint8Array): void {
    if (this.head.byteLength < KEEP_BYTES) {
      this.head = concat(this.head, chunk.subarray(0, KEEP_BYTES - this.head.byteLength));
    }
    const joined = concat(this.tail.subarray(Math.max(0, this.tail.byteLength + chunk.byteLength - KEEP_BYTES)), chunk);
    this.tail = joined.subarray(Math.max(0, joined.byteLength - KEEP_BYTES));
  }

  /** The JSON-RPC id of a single request whose ends look like one; null otherwise. */
  id(): string | number | null {
    const decoder = new TextDecoder();
    const found = ID_AT_START.exec(decoder.decode(this.head)) ?? ID_AT_END.exec(decoder.decode(this.tail));
    if (!found?.[1]) return null;
    try {
      const id = JSON.parse(found[1]) as unknown;
      return typeof id === "string" || (typeof id === "number" && Number.isSafeInteger(id)) ? id : null;
    } catch {
      return null;
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a, 0);
  joined.set(b, a.byteLength);
  return joined;
}

/**
 * Reads what is left of an oversized body without keeping it, up to the scan limit, and returns its
 * ends; null when it is longer than that (the reader is cancelled).
 */
export async function drainForId(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  ends: BodyEnds,
  alreadyRead: number,
  maxBytes: number,
): Promise<BodyEnds | null> {
  let total = alreadyRead;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return ends;
    total += value.byteLength;
    if (total > scanLimit(maxBytes)) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    ends.add(value);
  }
}

/** The refusal: a JSON-RPC error for the call when its id is known, else a 413 naming the same remedy. */
export function bodyTooLarge(maxBytes: number, id: string | number | null = null): HttpError {
  const message =
    `Request too large: this server takes at most ${formatBytes(maxBytes)} per request (MAX_REQUEST_BYTES), ` +
    `and nothing was run. ${writeInParts()}`;
  return new HttpError(jsonRpcErrorResponse(id === null ? 413 : 200, -32000, message, {}, id));
}
