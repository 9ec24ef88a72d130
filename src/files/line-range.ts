/**
 * Reading lines `offset + 1 … offset + limit` of a stored text file of any size, for paged reads
 * (read_text_file `offset`/`limit`). There is no line index in R2, so the file is streamed from its start:
 * lines before the window are skipped by counting `\n` bytes (a native `indexOf` over each chunk, no
 * decoding), and only the window is decoded. A `\n` byte is never part of a multi-byte UTF-8 sequence,
 * so a window cut at line boundaries decodes exactly as the whole file would.
 *
 * Bounds: the window returned is capped in bytes (`maxBytes`); past it the read stops at the last whole
 * line and says where to continue. After the window, the rest is counted for the total only when at
 * most `countBytes` remain, so a call never streams an unbounded tail just to count lines.
 * Line numbering as in line-window.ts: split on `\n`, and a final newline does not start another line.
 */
import { ToolError } from "../errors/tool-error";
import { notTextError } from "./line-window";
import { formatBytes } from "./size-advice";

export interface LineRange {
  readonly text: string;
  /** Lines skipped before `text` (the request's offset). */
  readonly offset: number;
  /** Lines in `text`. */
  readonly lines: number;
  /** Total lines in the file, when this call saw (or counted) to the end. */
  readonly total: number | undefined;
  /** The offset of the next unread line, when lines remain (or may remain). */
  readonly nextOffset: number | undefined;
  /** True when `maxBytes` ended the window before `limit` lines. */
  readonly cutByBytes: boolean;
}

const NEWLINE = 0x0a;

/** The first `length` bytes of `parts` joined. */
function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    if (at >= length) break;
    const piece = part.subarray(0, length - at);
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

function countNewlines(bytes: Uint8Array): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

export async function readLineRange(
  body: ReadableStream<Uint8Array>,
  request: { offset: number; limit: number | undefined; size: number },
  bounds: { maxBytes: number; countBytes: number },
  display: string,
): Promise<LineRange> {
  const reader = body.getReader();
  const limit = request.limit ?? Number.POSITIVE_INFINITY;
  let skipped = 0; // newlines seen before the window
  let consumed = 0; // bytes of the file seen so far
  const parts: Uint8Array[] = [];
  let windowBytes = 0;
  let windowLines = 0; // complete lines (ending in \n) in the window
  let lastLineEnd = 0; // window bytes up to and including the last \n
  let phase: "skip" | "collect" | "count" | "done" = request.offset === 0 ? "collect" : "skip";
  let afterNewlines = 0; // newlines after the window, counted for the total
  let cutByBytes = false;
  let endOfFile = false;
  let lastByte = -1;
  try {
    while (phase !== "done") {
      const { done, value } = await reader.read();
      if (done) {
        endOfFile = true;
        break;
      }
      if (value.byteLength > 0) lastByte = value[value.byteLength - 1]!;
      const chunkStart = consumed;
      consumed += value.byteLength;
      let chunk = value;
      if (phase === "skip") {
        let at = -1;
        while (skipped < request.offset) {
          at = chunk.indexOf(NEWLINE, at + 1);
          if (at === -1) break;
          skipped++;
        }
        if (skipped < request.offset) continue;
        phase = "collect";
        chunk = chunk.subarray(at + 1);
      }
      if (phase === "collect") {
        let at = -1;
        let taken = chunk.byteLength;
        for (;;) {
          at = chunk.indexOf(NEWLINE, at + 1);
          if (at === -1) break;
          if (windowBytes + at + 1 > bounds.maxBytes) break;
          windowLines++;
          lastLineEnd = windowBytes + at + 1;
          if (windowLines === limit) {
            taken = at + 1;
            phase = "count";
            break;
          }
        }
        if (phase === "collect" && windowBytes + chunk.byteLength > bounds.maxBytes) {
          cutByBytes = true;
          phase = "done";
          taken = Math.max(0, lastLineEnd - windowBytes);
        }
        parts.push(chunk.subarray(0, taken));
        windowBytes += taken;
        if (phase === "count") {
          if (request.size - (chunkStart + (value.byteLength - chunk.byteLength) + taken) > bounds.countBytes) {
            phase = "done";
            break;
          }
          afterNewlines += countNewlines(chunk.subarray(taken));
        }
        continue;
      }
      afterNewlines += countNewlines(chunk);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  if (cutByBytes) {
    windowBytes = lastLineEnd;
    if (windowLines === 0) {
      throw new ToolError(
        "too_large",
        `Line ${request.offset + 1} of ${display} is longer than ${formatBytes(bounds.maxBytes)}, and line-based reads ` +
          "cannot split a line. search_file_contents shows matching lines cut to 1000 characters.",
        { path: display, maxBytes: bounds.maxBytes },
      );
    }
  }
  const window = concat(parts, windowBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(window);
  } catch {
    throw notTextError(display);
  }
  // A window that ran to the end of the file may end in a last line without a newline.
  const partialLast = endOfFile && !cutByBytes && text.length > 0 && !text.endsWith("\n") ? 1 : 0;
  const lines = windowLines + partialLast;
  if (text.endsWith("\n")) text = text.slice(0, -1);
  const fileLines = (newlinesBefore: number) => newlinesBefore + (lastByte !== -1 && lastByte !== NEWLINE ? 1 : 0);
  let total: number | undefined;
  if (endOfFile && phase === "skip") total = fileLines(skipped);
  else if (endOfFile) total = fileLines(request.offset + windowLines + afterNewlines);
  const next = request.offset + lines;
  const nextOffset = total === undefined ? next : next < total ? next : undefined;
  return { text, offset: request.offset, lines, total, nextOffset, cutByBytes };
}
