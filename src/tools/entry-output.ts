/**
 * How a file or directory is described in tool results, as text for the model and as
 * `structuredContent` (with a published `outputSchema`) for clients that consume data.
 */
import * as z from "zod";
import type { EntryInfo } from "../sandbox/sandbox";

export const entrySchema = z.object({
  name: z.string(),
  path: z.string().describe("Absolute within your root, e.g. /notes/todo.md"),
  type: z.enum(["file", "directory"]),
  size: z.number().describe("Bytes; 0 for directories"),
  modified: z.string().optional().describe("ISO 8601, when the object was last written"),
  etag: z
    .string()
    .optional()
    .describe(
      "Opaque version tag: pass it unchanged as ifMatch to write or edit only if unchanged. Do not compute or compare it; files shown redacted get a tag that is not a content hash.",
    ),
  contentType: z.string().optional(),
});

export type EntryOutput = z.infer<typeof entrySchema>;

export function toEntryOutput(entry: EntryInfo): EntryOutput {
  return {
    name: entry.path.displayName,
    path: entry.path.display,
    type: entry.type,
    size: entry.size,
    ...(entry.modified ? { modified: entry.modified.toISOString() } : {}),
    ...(entry.etag ? { etag: entry.etag } : {}),
    ...(entry.contentType ? { contentType: entry.contentType } : {}),
  };
}

/**
 * `[DIR] name` / `[FILE] name`, as the reference server lists entries. Names are shown escaped
 * (`\u{202E}`, docs/tools.md), as everywhere a caller sees a path.
 */
export function toListingLine(entry: EntryInfo): string {
  return `${entry.type === "directory" ? "[DIR]" : "[FILE]"} ${entry.path.displayName}`;
}
