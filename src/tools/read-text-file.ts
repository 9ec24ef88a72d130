/**
 * `read_text_file`: the reference server's tool (path, head, tail), over R2 with range reads, plus paged
 * reads (`offset`/`limit`, in lines) that reach any part of a file larger than the whole-read cap. A paged
 * read answers the lines as the first text block and where they are (`lines 101-200 of 5000`, the total
 * when this call saw the end) as a second, so the content block stays exactly the file's text.
 */
import * as z from "zod";
import { MAX_LINE_COUNT_BYTES, MAX_LINE_WINDOW_BYTES, MAX_TEXT_READ_BYTES } from "../files/limits";
import { type LineRange, readLineRange } from "../files/line-range";
import { readHeadLines, readTailLines } from "../files/line-window";
import { readInPages } from "../files/size-advice";
import { contentMeta, withMeta } from "./content-meta";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const lineCount = z.number().int().positive().max(100_000);

function pagedResult(range: LineRange) {
  return {
    content: [
      { type: "text" as const, text: range.text },
      { type: "text" as const, text: describeRange(range) },
    ],
  };
}

function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([bytes]).stream();
}

function describeRange(range: LineRange): string {
  const first = range.offset + 1;
  const shown =
    range.lines === 0 ? `no lines after line ${range.offset}` : `lines ${first}-${range.offset + range.lines}`;
  const of = range.total === undefined ? "" : ` of ${range.total}`;
  const next =
    range.nextOffset === undefined
      ? "end of file"
      : `${range.cutByBytes ? `stopped at ${MAX_LINE_WINDOW_BYTES} bytes; ` : ""}more with offset ${range.nextOffset}`;
  return `[${shown}${of}; ${next}]`;
}

export const readTextFile = defineTool({
  name: "read_text_file",
  title: "Read text file",
  description:
    "Read a UTF-8 text file and return its contents. Use 'head' for the first N lines or 'tail' for the last N lines, " +
    "or 'offset' (lines to skip) and 'limit' (lines to return) to page through a file of any size; a paged read adds " +
    `a note with the line numbers, the total when known and the next offset. Whole reads are capped at ${MAX_TEXT_READ_BYTES} bytes. ` +
    "For images, audio or other binary files use read_media_file.",
  scope: "files:read",
  input: z
    .object({
      path: pathField,
      head: lineCount.optional().describe("Return only the first N lines."),
      tail: lineCount.optional().describe("Return only the last N lines."),
      offset: z
        .number()
        .int()
        .nonnegative()
        .max(Number.MAX_SAFE_INTEGER)
        .optional()
        .describe("Lines to skip before the first line returned (0 = from the first line)."),
      limit: lineCount.optional().describe("Most lines to return, starting after 'offset'."),
    })
    .refine((input) => input.head === undefined || input.tail === undefined, {
      message: "Cannot specify both head and tail",
    })
    .refine(
      (input) =>
        (input.head === undefined && input.tail === undefined) ||
        (input.offset === undefined && input.limit === undefined),
      {
        message: "Use either head/tail or offset/limit, not both",
      },
    ),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["read"],
  access: ({ path }) => [touch("read", path, "path", { allowRoot: false })],
  async run({ path: raw, head, tail, offset, limit }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const hint = readInPages();
    // Up to the whole-read cap, every form reads the one redacted view of the whole file (so a secret
    // spanning lines is redacted whichever lines are asked for); head, tail and pages are cut from it.
    // One R2 get: the whole view, or the size of a file too large for it.
    const whole = await sandbox.readWholeText(path, MAX_TEXT_READ_BYTES);
    if (!("tooLargeSize" in whole)) {
      const meta = contentMeta(whole.record);
      // Encoded only for the forms cut from it by bytes, not for the whole file.
      const encoded = () => new TextEncoder().encode(whole.shown);
      if (offset !== undefined || limit !== undefined) {
        const shown = encoded();
        const range = await readLineRange(
          bytesStream(shown),
          { offset: offset ?? 0, limit, size: shown.byteLength },
          { maxBytes: MAX_LINE_WINDOW_BYTES, countBytes: MAX_LINE_COUNT_BYTES },
          path.display,
        );
        return withMeta(pagedResult(range), meta);
      }
      if (head !== undefined) {
        return withMeta(
          textResult(await readHeadLines(bytesStream(encoded()), head, MAX_LINE_WINDOW_BYTES, path.display)),
          meta,
        );
      }
      if (tail !== undefined) {
        const shown = encoded();
        const suffix = async (length: number) => shown.subarray(shown.byteLength - length);
        return withMeta(
          textResult(await readTailLines(suffix, shown.byteLength, tail, MAX_LINE_WINDOW_BYTES, path.display)),
          meta,
        );
      }
      return withMeta(textResult(whole.shown), meta);
    }
    // Larger files are read in pieces from storage; each piece is judged and redacted on its own.
    if (offset !== undefined || limit !== undefined) {
      const file = await sandbox.openFile(path);
      const range = await readLineRange(
        file.body,
        { offset: offset ?? 0, limit, size: file.info.size },
        { maxBytes: MAX_LINE_WINDOW_BYTES, countBytes: MAX_LINE_COUNT_BYTES },
        path.display,
      );
      const seen = sandbox.viewText(path, range.text, { piece: true });
      return withMeta(pagedResult({ ...range, text: seen.shown }), contentMeta(seen.record));
    }
    if (head !== undefined) {
      const file = await sandbox.openFile(path);
      const seen = sandbox.viewText(path, await readHeadLines(file.body, head, MAX_LINE_WINDOW_BYTES, path.display), {
        piece: true,
      });
      return withMeta(textResult(seen.shown), contentMeta(seen.record));
    }
    if (tail !== undefined) {
      const readSuffix = async (length: number) => {
        const file = await sandbox.openFile(path, { suffix: length });
        return new Uint8Array(await new Response(file.body).arrayBuffer());
      };
      const text = await readTailLines(readSuffix, whole.tooLargeSize, tail, MAX_LINE_WINDOW_BYTES, path.display);
      const seen = sandbox.viewText(path, text, { piece: true });
      return withMeta(textResult(seen.shown), contentMeta(seen.record));
    }
    const content = await sandbox.readText(path, MAX_TEXT_READ_BYTES, hint);
    return withMeta(textResult(content.shown), contentMeta(content.record));
  },
});
