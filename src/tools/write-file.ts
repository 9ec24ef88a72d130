/**
 * `write_file`: the reference server's tool (path, content), plus optional preconditions so an agent
 * never silently overwrites work: `ifMatch` (write only over the version it read) and
 * `ifNoneMatch: "*"` (create only). Returns the new etag for the next conditional write.
 */
import { z } from "zod";
import { ToolError } from "../errors/tool-error";
import { MAX_WRITE_BYTES } from "../files/limits";
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
    "Create a new file or completely overwrite an existing one with UTF-8 text; missing parent directories are created. " +
    "To avoid overwriting someone else's change, pass the etag you read as 'ifMatch'; to create only when nothing exists " +
    `yet, pass ifNoneMatch "*". Returns the new etag. Content is capped at ${MAX_WRITE_BYTES} bytes.`,
  scope: "files:write",
  input: z
    .object({
      path: pathField,
      content: z.string().describe("The complete new contents of the file."),
      ifMatch: etagField.optional().describe("Only write if the file's current etag equals this."),
      ifNoneMatch: z.literal("*").optional().describe('"*": only write if the file does not exist yet.'),
    })
    .refine((input) => input.ifMatch === undefined || input.ifNoneMatch === undefined, {
      message: "Cannot specify both ifMatch and ifNoneMatch",
    }),
  output: z.object({ file: entrySchema }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  cost: ({ content }) => {
    const bytes = utf8ByteLength(content);
    return { units: 1 + Math.floor(bytes / (1024 * 1024)), writes: 1, bytesWritten: bytes };
  },
  actions: ["write", "overwrite"],
  // Without ifNoneMatch "*" the call may replace an existing file, so it is an overwrite as well.
  access: ({ path, content, ifNoneMatch }) => {
    const bytes = utf8ByteLength(content);
    const write = touch("write", path, "path", { allowRoot: false, bytes });
    return ifNoneMatch === "*" ? [write] : [write, { ...write, action: "overwrite" }];
  },
  async run({ path: raw, content, ifMatch, ifNoneMatch }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const bytes = encoder.encode(content);
    if (bytes.byteLength > MAX_WRITE_BYTES) {
      throw new ToolError("too_large", `Content is ${bytes.byteLength} bytes; the limit is ${MAX_WRITE_BYTES}.`, {
        size: bytes.byteLength,
        maxBytes: MAX_WRITE_BYTES,
      });
    }
    const written = await sandbox.writeFile(path, bytes, {
      ifMatch,
      createOnly: ifNoneMatch === "*",
      contentType: textContentType(path.name),
    });
    return textResult(`Successfully wrote to ${path.display} (${written.size} bytes, etag ${written.etag})`, {
      file: toEntryOutput(written),
    });
  },
});
