/** `get_file_info`: metadata of a file or directory, as `key: value` lines and as structured data. */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import { entrySchema, toEntryOutput } from "./entry-output";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const getFileInfo = defineTool({
  name: "get_file_info",
  title: "Get file info",
  description:
    "Get metadata for a file or directory: type, size in bytes, last modified time, etag (for conditional writes) " +
    "and content type. Does not read the contents.",
  scope: "files:read",
  input: z.object({ path: pathField }),
  output: entrySchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["read"],
  access: ({ path }) => [touch("read", path, "path")],
  async run({ path: raw }, { sandbox }) {
    const path = sandbox.resolve(raw, "path");
    const info = await sandbox.stat(path);
    if (!info) {
      throw new ToolError("not_found", `No such file or directory: ${path.display}`, { path: path.display });
    }
    const output = toEntryOutput(info);
    const lines = [
      `path: ${output.path}`,
      `type: ${output.type}`,
      `size: ${output.size}`,
      ...(output.modified ? [`modified: ${output.modified}`] : []),
      ...(output.etag ? [`etag: ${output.etag}`] : []),
      ...(output.contentType ? [`contentType: ${output.contentType}`] : []),
    ];
    return textResult(lines.join("\n"), output);
  },
});
