/**
 * Scanning one stored file's lines for search_file_contents: a stream of bytes in, the matching lines
 * (1-based numbers, optional context) out, bounded in bytes read per call and resumable at any line.
 *
 * - Lines are split on `\n` bytes (never inside a UTF-8 sequence) and decoded one by one, strictly: a
 *   file that is not UTF-8, or holds a NUL byte in its first 8 KiB, is reported as not text and skipped,
 *   as is one with a line longer than `maxLineBytes` (the memory one line may hold).
 * - The scan stops after `maxMatches` matches or once `byteBudget` bytes were read, always at a line
 *   boundary, and returns the byte offset and line number to resume at (R2 range reads start there).
 *   After the stop it reads at most `contextLines` more lines, for the last matches' context only; the
 *   resume point stays right after the last line that was tested.
 * - Returned line text is cut to `maxLineChars` (a minified file is one huge line).
 * - Matching may have a work budget (a regex's: characters × program size per line, line-matcher.ts):
 *   a line whose cost would overrun what is left is not tested, and the scan stops before it (stoppedBy
 *   `work`); a line longer than `maxTestChars` is never tested and the file is skipped (`line_too_long`).
 */

export interface ContentMatch {
  readonly line: number;
  readonly text: string;
  readonly before: string[];
  readonly after: string[];
}

export interface ScanResult {
  readonly matches: ContentMatch[];
  /** Bytes read from the stream (including context read after the stop). */
  readonly bytesRead: number;
  /** Set when the scan stopped before the end: where to resume. */
  readonly resume: { readonly offset: number; readonly line: number } | undefined;
  readonly stoppedBy: "matches" | "bytes" | "work" | undefined;
  /** Work units spent on matching (see ScanOptions.lineCost). */
  readonly work: number;
  /** Why the file was not searched: not UTF-8 (or binary), or a line longer than `maxLineBytes`. */
  readonly skipped: "not_text" | "line_too_long" | undefined;
}

export interface ScanOptions {
  /** Byte offset and 1-based line number of the first byte of the stream in the file. */
  readonly offset: number;
  readonly line: number;
  readonly matches: (line: string) => boolean;
  readonly contextLines: number;
  readonly maxMatches: number;
  readonly byteBudget: number;
  readonly maxLineChars: number;
  /** Longest line held to test; a longer one makes the file unsearchable (`line_too_long`). */
  readonly maxLineBytes: number;
  /** The file's size, to tell a stop at the very end from one with lines left. */
  readonly size: number;
  /** Work units testing a line of this many characters costs, and how many this scan may spend. */
  readonly lineCost?: (chars: number) => number;
  readonly workBudget?: number;
  /** Longest line (in characters) that may be tested; a longer one skips the file (`line_too_long`). */
  readonly maxTestChars?: number;
  /**
   * The caller's view of a line (sensitive spans redacted, invisible characters escaped): what is
   * matched and what is returned, so a search never matches inside what the caller cannot see.
   */
  readonly view?: (line: string) => string;
}

const NEWLINE = 0x0a;
const SNIFF_BYTES = 8192;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export async function scanContent(body: ReadableStream<Uint8Array>, options: ScanOptions): Promise<ScanResult> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: options.offset !== 0 });
  const reader = body.getReader();
  const matches: ContentMatch[] = [];
  const before: string[] = [];
  const waiting: ContentMatch[] = []; // matches still collecting after-context
  let carry: Uint8Array[] = [];
  let carryBytes = 0;
  let bytesRead = 0;
  let lineNumber = options.line;
  let lineStart = options.offset; // file offset of the line being assembled
  let stop: { offset: number; line: number } | undefined;
  let stoppedBy: ScanResult["stoppedBy"];
  let contextLeft = 0;
  let work = 0;
  const lineCost = options.lineCost ?? (() => 0);
  const workBudget = options.workBudget ?? Number.POSITIVE_INFINITY;
  const maxTestChars = options.maxTestChars ?? Number.POSITIVE_INFINITY;

  // Returns false when nothing more needs to be read.
  const takeLine = (bytes: Uint8Array, length: number): boolean => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new NotTextSignal("not_text");
    }
    if (options.view) text = options.view(text);
    const shown = clip(text, options.maxLineChars);
    for (const match of waiting) match.after.push(shown);
    while (waiting.length > 0 && waiting[0]!.after.length >= options.contextLines) waiting.shift();
    if (stop) {
      contextLeft--;
      return contextLeft > 0 && waiting.length > 0;
    }
    if (text.length > maxTestChars) throw new NotTextSignal("line_too_long");
    const cost = lineCost(text.length);
    if (work + cost > workBudget) {
      // Not tested: the next call starts with this line. It has served as after-context already.
      stop = { offset: lineStart, line: lineNumber };
      stoppedBy = "work";
      contextLeft = options.contextLines - 1;
      return contextLeft > 0 && waiting.length > 0;
    }
    work += cost;
    if (options.matches(text)) {
      const match: ContentMatch = { line: lineNumber, text: shown, before: [...before], after: [] };
      matches.push(match);
      if (options.contextLines > 0) waiting.push(match);
    }
    if (options.contextLines > 0) {
      before.push(shown);
      if (before.length > options.contextLines) before.shift();
    }
    lineNumber++;
    lineStart += length;
    const reason =
      matches.length >= options.maxMatches ? "matches" : bytesRead >= options.byteBudget ? "bytes" : undefined;
    if (reason) {
      stop = { offset: lineStart, line: lineNumber };
      stoppedBy = reason;
      contextLeft = options.contextLines;
      return contextLeft > 0 && waiting.length > 0;
    }
    return true;
  };

  const joined = (tail: Uint8Array): Uint8Array => {
    if (carry.length === 0) return tail;
    const out = new Uint8Array(carryBytes + tail.byteLength);
    let at = 0;
    for (const part of carry) {
      out.set(part, at);
      at += part.byteLength;
    }
    out.set(tail, at);
    carry = [];
    carryBytes = 0;
    return out;
  };

  let endOfFile = false;
  try {
    reading: for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        endOfFile = true;
        break;
      }
      if (options.offset === 0 && bytesRead < SNIFF_BYTES) {
        const sniff = value.subarray(0, SNIFF_BYTES - bytesRead);
        if (sniff.includes(0)) throw new NotTextSignal("not_text");
      }
      bytesRead += value.byteLength;
      let from = 0;
      for (let at = value.indexOf(NEWLINE); at !== -1; at = value.indexOf(NEWLINE, from)) {
        const line = joined(value.subarray(from, at));
        const length = line.byteLength + 1;
        from = at + 1;
        if (!takeLine(line, length)) break reading;
      }
      if (from < value.byteLength) {
        carry.push(value.subarray(from));
        carryBytes += value.byteLength - from;
        if (carryBytes > options.maxLineBytes) throw new NotTextSignal("line_too_long");
      }
    }
    if (endOfFile && carryBytes > 0) {
      const length = carryBytes; // joined() empties the carry
      takeLine(joined(new Uint8Array(0)), length);
    }
  } catch (error) {
    if (!(error instanceof NotTextSignal)) throw error;
    return { matches: [], bytesRead, resume: undefined, stoppedBy: undefined, skipped: error.reason, work };
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // A stop exactly at the end of the file leaves nothing to resume.
  const resume = stop && stop.offset < options.size ? stop : undefined;
  return { matches, bytesRead, resume, stoppedBy: resume ? stoppedBy : undefined, skipped: undefined, work };
}

/** Thrown inside the scan to abandon a file that is not searchable text. */
class NotTextSignal extends Error {
  constructor(readonly reason: "not_text" | "line_too_long") {
    super(reason);
  }
}
