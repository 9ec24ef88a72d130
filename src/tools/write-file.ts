/**
 * `write_file`: the reference server's tool (path, content), plus optional preconditions so an agent
 * never silently overwrites work: `ifMatch` (write only over the version it read) and
 * `ifNoneMatch: "*"` (create only). Returns the new etag for the next conditional write.
 *
 * `encoding: "base64"` stores binary files: the text is decoded strictly (src/files/base64.ts), the cap
 * applies to the decoded bytes, and the stored content type is the one the name implies (a PNG is
 * served back as `image/png` with the exact bytes by read_media_file). UTF-8 text keeps its text type.
 */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import { base64DecodedLength, parseBase64 } from "../files/base64";
import { MAX_WRITE_BYTES } from "../files/limits";
import { mediaTypeFor } from "../files/media-type";
import { formatBytes, writeInParts } from "../files/size-advice";
import { textContentType } from "../files/text-content-type";
import { utf8ByteLength } from "../files/utf8-length";
import { entrySchema, toEntryOutput } from "./entry-output";
import { etagField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const encoder = new TextEncoder();

export const writeFile = defineTool({
  name: "write_file",
  title: "Write file",
  description:
    "Create a new file or completely overwrite an existing one; missing parent directories are created. Content is UTF-8 " +
    "text, or binary data (images, archives, ...) sent as base64 with encoding 'base64'. " +
    "To avoid overwriting someone else's change, pass the etag you read as 'ifMatch'; to create only when nothing exists " +
    `yet, pass ifNoneMatch "*". Returns the new etag. Content is capped at ${MAX_WRITE_BYTES} bytes (decoded).`,
  scope: "files:write",
  input: z
    .object({
      path: pathField,
      content: z.string().describe("The complete new contents of the file (base64 when encoding is 'base64')."),
      encoding: z
        .enum(["utf8", "base64"])
        .default("utf8")
        .describe("How 'content' is encoded: 'utf8' text (default) or 'base64' for binary files."),
      ifMatch: etagField.optional().describe("Only write if the file's current etag equals this."),
      ifNoneMatch: z.literal("*").optional().describe('"*": only write if the file does not exist yet.'),
    })
    .refine((input) => input.ifMatch === undefined || input.ifNoneMatch === undefined, {
      message: "Cannot specify both ifMatch and ifNoneMatch",
    }),
  output: z.object({ file: entrySchema }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  cost: ({ content, encoding }) => {
    const bytes = encoding === "base64" ? decodedLengthOrZero(content) : utf8ByteLength(content);
    return { units: 1 + Math.floor(bytes / (1024 * 1024)), writes: 1, bytesWritten: bytes };
  },
  actions: ["write", "overwrite"],
  // Without ifNoneMatch "*" the call may replace an existing file, so it is an overwrite as well.
  access: ({ path, content, encoding, ifNoneMatch }) => {
    const bytes = encoding === "base64" ? decodedLengthOrZero(content) : utf8ByteLength(content);
    const write = touch("write", path, "path", { allowRoot: false, bytes });
    return ifNoneMatch === "*" ? [write] : [write, { ...write, action: "overwrite" }];
  },
  async run({ path: raw, content, encoding, ifMatch, ifNoneMatch }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    // The decoded size is known from the text alone, so an oversized upload is refused before decoding.
    const size = encoding === "base64" ? base64DecodedLength(content) : utf8ByteLength(content);
    if (size > MAX_WRITE_BYTES) {
      throw new ToolError(
        "too_large",
        `Content is ${size} bytes; one write_file call takes at most ${formatBytes(MAX_WRITE_BYTES)}. ` +
          `Nothing was written. ${writeInParts()}`,
        { size, maxBytes: MAX_WRITE_BYTES },
      );
    }
    const bytes = encoding === "base64" ? parseBase64(content) : encoder.encode(content);
    const written = await sandbox.writeFile(path, bytes, {
      ifMatch,
      createOnly: ifNoneMatch === "*",
      contentType: encoding === "base64" ? mediaTypeFor(path.name) : textContentType(path.name),
    });
    return textResult(`Successfully wrote to ${path.display} (${written.size} bytes, etag ${written.etag})`, {
      file: toEntryOutput(written),
    });
  },
});

/** For the cost hook: malformed base64 costs nothing extra, the call itself refuses it. */
function decodedLengthOrZero(content: string): number {
  try {
    return base64DecodedLength(content);
  } catch {
    return 0;
  }
}
