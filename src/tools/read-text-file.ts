/** `read_text_file`: the reference server's tool (path, head, tail), over R2 with range reads. */
import { z } from "zod";
import { MAX_LINE_WINDOW_BYTES, MAX_TEXT_READ_BYTES } from "../files/limits";
import { readHeadLines, readTailLines } from "../files/line-window";
import { pathField } from "./schemas";
import { readWholeText } from "./text-read";
import { defineTool, textResult } from "./tool-definition";

const lineCount = z.number().int().positive().max(100_000);

export const readTextFile = defineTool({
  name: "read_text_file",
  title: "Read text file",
  description:
    "Read a UTF-8 text file and return its contents. Use 'head' for the first N lines or 'tail' for the last N lines " +
    `(not both); large files can only be read that way (whole reads are capped at ${MAX_TEXT_READ_BYTES} bytes). ` +
    "For images, audio or other binary files use read_media_file.",
  scope: "files:read",
  input: z
    .object({
      path: pathField,
      head: lineCount.optional().describe("Return only the first N lines."),
      tail: lineCount.optional().describe("Return only the last N lines."),
    })
    .refine((input) => input.head === undefined || input.tail === undefined, {
      message: "Cannot specify both head and tail",
    }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async run({ path: raw, head, tail }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    if (head !== undefined) {
      const file = await sandbox.openFile(path);
      return textResult(await readHeadLines(file.body, head, MAX_LINE_WINDOW_BYTES, path.display));
    }
    if (tail !== undefined) {
      const info = await sandbox.requireFile(path);
      const readSuffix = async (length: number) => {
        const file = await sandbox.openFile(path, { suffix: length });
        return new Uint8Array(await new Response(file.body).arrayBuffer());
      };
      return textResult(await readTailLines(readSuffix, info.size, tail, MAX_LINE_WINDOW_BYTES, path.display));
    }
    const { text } = await readWholeText(sandbox, path, MAX_TEXT_READ_BYTES, "Use head or tail.");
    return textResult(text);
  },
});
