/**
 * `list_directory_with_sizes`: the reference server's tool (path, sortBy name|size) with its layout
 * (`[FILE] name   size`, then totals), paged over R2 like list_directory. Sorting and totals cover
 * the page returned: a 100,000-entry directory cannot be sorted in one Worker call, so a caller that
 * needs every entry follows nextCursor and combines the pages.
 */
import * as z from "zod";
import { entrySchema, toEntryOutput } from "./entry-output";
import { cursorField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** The reference's formatSize: 1024-based, two decimals above bytes. */
export function formatSize(bytes: number): string {
  if (bytes === 0) return "0 B";
  const unit = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), UNITS.length - 1);
  return unit === 0 ? `${bytes} B` : `${(bytes / 1024 ** unit).toFixed(2)} ${UNITS[unit]}`;
}

export const listDirectoryWithSizes = defineTool({
  name: "list_directory_with_sizes",
  title: "List directory with sizes",
  description:
    "List the files and directories directly inside a directory with their sizes, sorted by name or by size (largest " +
    "first), followed by totals. Large directories come in pages of up to 1000 entries: sorting and totals cover one page; " +
    "when the result includes a nextCursor, call again with it.",
  scope: "files:read",
  input: z.object({
    path: pathField.default("/"),
    sortBy: z.enum(["name", "size"]).default("name").describe("Sort entries by name or by size"),
    cursor: cursorField.optional(),
  }),
  output: z.object({
    path: z.string(),
    entries: z.array(entrySchema),
    totalFiles: z.number().describe("Files in this page"),
    totalDirectories: z.number().describe("Directories in this page"),
    totalSize: z.number().describe("Bytes of the files in this page"),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["list"],
  access: ({ path }) => [touch("list", path, "path")],
  async run({ path: raw, sortBy, cursor }, { sandbox }) {
    const path = sandbox.resolve(raw, "path");
    const page = await sandbox.listDirectory(path, { cursor });
    const entries = [...page.entries];
    if (sortBy === "size") entries.sort((a, b) => b.size - a.size || (a.path.name < b.path.name ? -1 : 1));
    const files = entries.filter((entry) => entry.type === "file");
    const totalSize = files.reduce((sum, entry) => sum + entry.size, 0);
    const lines = entries.map((entry) =>
      `${entry.type === "directory" ? "[DIR] " : "[FILE]"} ${entry.path.displayName.padEnd(30)} ${entry.type === "file" ? formatSize(entry.size).padStart(10) : ""}`.trimEnd(),
    );
    if (lines.length === 0) lines.push(`(${path.display} is empty)`);
    lines.push(
      "",
      `Total: ${files.length} files, ${entries.length - files.length} directories`,
      `Combined size: ${formatSize(totalSize)}`,
    );
    if (page.nextCursor)
      lines.push(`(more entries: totals cover this page; call again with cursor "${page.nextCursor}")`);
    return textResult(lines.join("\n"), {
      path: path.display,
      entries: entries.map(toEntryOutput),
      totalFiles: files.length,
      totalDirectories: entries.length - files.length,
      totalSize,
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  },
});
