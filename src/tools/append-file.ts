/**
 * `append_file` (ours): adds UTF-8 text to the end of a file, creating it (and its parents) if missing.
 * Safe under concurrency: every append is a put conditional on the version it extended, retried on a
 * lost race (src/sandbox/sandbox-append.ts), so concurrent appends all land and none is lost. The text
 * is appended as given: add your own newline.
 */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import { MAX_WRITE_BYTES } from "../files/limits";
import { formatBytes } from "../files/size-advice";
import { textContentType } from "../files/text-content-type";
import { utf8ByteLength } from "../files/utf8-length";
import { MAX_APPEND_RESULT_BYTES } from "../sandbox/sandbox";
import { entrySchema, toEntryOutput } from "./entry-output";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const encoder = new TextEncoder();

export const appendFile = defineTool({
  name: "append_file",
  title: "Append to file",
  description:
    "Append UTF-8 text to the end of a file, creating the file (and missing parent directories) if it does not exist. " +
    "Concurrent appends are all kept, none overwrites another. The text is added exactly as given (include a trailing " +
    `newline for line-oriented files). At most ${MAX_WRITE_BYTES} bytes per call; files grow to at most ${MAX_APPEND_RESULT_BYTES} bytes. ` +
    "Returns the new size and etag.",
  scope: "files:write",
  input: z.object({
    path: pathField,
    content: z.string().min(1).describe("Text to add at the end of the file."),
  }),
  output: z.object({ file: entrySchema, created: z.boolean().describe("True when the file did not exist before") }),
  // Not idempotent: each call adds the text again.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  cost: ({ content }) => {
    const bytes = utf8ByteLength(content);
    return { units: 1 + Math.floor(bytes / (1024 * 1024)), writes: 1, bytesWritten: bytes };
  },
  actions: ["write", "overwrite"],
  // Appending changes an existing file (or creates it): both, with the bytes brought in.
  access: ({ path, content }) => {
    const write = touch("write", path, "path", { allowRoot: false, bytes: utf8ByteLength(content) });
    return [write, { ...write, action: "overwrite" }];
  },
  async run({ path: raw, content }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const size = utf8ByteLength(content);
    if (size > MAX_WRITE_BYTES) {
      throw new ToolError(
        "too_large",
        `Content is ${size} bytes; one append_file call takes at most ${formatBytes(MAX_WRITE_BYTES)}. ` +
          `Nothing was appended. Split it into parts of at most ${formatBytes(MAX_WRITE_BYTES)} and call ` +
          "append_file once per part, in order.",
        { size, maxBytes: MAX_WRITE_BYTES },
      );
    }
    const receipt = await sandbox.append(path, encoder.encode(content), textContentType(path.name));
    return textResult(
      `${receipt.created ? "Created" : "Appended to"} ${path.display} (+${size} bytes, now ${receipt.file.size} bytes, etag ${receipt.file.etag})`,
      { file: toEntryOutput(receipt.file), created: receipt.created },
    );
  },
});
