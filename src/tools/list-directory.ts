/** `list_directory`: the reference server's `[DIR]`/`[FILE]` listing, paged over R2. */
import * as z from "zod";
import { entrySchema, toEntryOutput, toListingLine } from "./entry-output";
import { cursorField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const listDirectory = defineTool({
  name: "list_directory",
  title: "List directory",
  description:
    "List the files and directories directly inside a directory, one per line as '[DIR] name' or '[FILE] name'. " +
    "Large directories come in pages of up to 1000 entries: when the result includes a nextCursor, call again with it.",
  scope: "files:read",
  input: z.object({ path: pathField.default("/"), cursor: cursorField.optional() }),
  output: z.object({ path: z.string(), entries: z.array(entrySchema), nextCursor: z.string().optional() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["list"],
  access: ({ path }) => [touch("list", path, "path")],
  async run({ path: raw, cursor }, { sandbox }) {
    const path = sandbox.resolve(raw, "path");
    const page = await sandbox.listDirectory(path, { cursor });
    const lines = page.entries.map(toListingLine);
    if (lines.length === 0) lines.push(`(${path.display} is empty)`);
    if (page.nextCursor) lines.push(`(more entries: call again with cursor "${page.nextCursor}")`);
    return textResult(lines.join("\n"), {
      path: path.display,
      entries: page.entries.map(toEntryOutput),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  },
});
