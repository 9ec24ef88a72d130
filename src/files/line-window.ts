/**
 * Reading the first or last N lines of a stored text file without reading all of it: `head` stops the
 * stream as soon as it has N lines; `tail` asks R2 for growing suffix ranges until it has N lines or the
 * whole file. Both are capped in bytes so one call cannot exhaust the isolate's 128 MB.
 * Lines are split on `\n`; a final newline does not count as an empty last line (as in the reference
 * server's head/tail).
 */
import { ToolError } from "../errors/tool-error";
import { formatBytes } from "./size-advice";

const FEWER_LINES = "Ask for fewer lines, or read page by page with offset/limit.";

const decodeOptions = { fatal: true, ignoreBOM: false };

export function notTextError(display: string): ToolError {
  return new ToolError("not_text", `${display} is not UTF-8 text; use read_media_file for binary files`, {
    path: display,
  });
}

function splitLines(text: string): string[] {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return body.length === 0 ? [] : body.split("\n");
}

export async function readHeadLines(
  body: ReadableStream<Uint8Array>,
  count: number,
  maxBytes: number,
  display: string,
): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8", decodeOptions);
  let text = "";
  let bytes = 0;
  let newlines = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        text += decoder.decode();
        break;
      }
      bytes += value.byteLength;
      const chunk = decoder.decode(value, { stream: true });
      text += chunk;
      for (const char of chunk) if (char === "\n") newlines++;
      if (newlines >= count) break;
      if (bytes > maxBytes) {
        throw new ToolError(
          "too_large",
          `The first ${count} lines of ${display} exceed ${formatBytes(maxBytes)}. ${FEWER_LINES}`,
          {
            path: display,
            maxBytes,
          },
        );
      }
    }
  } catch (error) {
    if (error instanceof TypeError) throw notTextError(display);
    throw error;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return splitLines(text).slice(0, count).join("\n");
}

/** Drops UTF-8 continuation bytes at the start of a range that began mid-character. */
function alignToCharacter(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < 3 && start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}

export async function readTailLines(
  readSuffix: (length: number) => Promise<Uint8Array>,
  size: number,
  count: number,
  maxBytes: number,
  display: string,
): Promise<string> {
  let window = Math.min(size, 64 * 1024);
  for (;;) {
    const whole = window >= size;
    const raw = await readSuffix(window);
    let text: string;
    try {
      text = new TextDecoder("utf-8", decodeOptions).decode(whole ? raw : alignToCharacter(raw));
    } catch {
      throw notTextError(display);
    }
    const lines = splitLines(text);
    // Without the whole file the first line may be partial, so it never counts.
    if (whole) return lines.slice(-count).join("\n");
    if (lines.length > count) return lines.slice(-count).join("\n");
    if (window >= maxBytes) {
      throw new ToolError(
        "too_large",
        `The last ${count} lines of ${display} exceed ${formatBytes(maxBytes)}. ${FEWER_LINES}`,
        {
          path: display,
          maxBytes,
        },
      );
    }
    window = Math.min(size, window * 4, maxBytes);
  }
}
