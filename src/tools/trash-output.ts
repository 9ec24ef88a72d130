/** How trash entries are described in list_trash results (text and structuredContent). */
import * as z from "zod";
import { escapeInvisible } from "../sandbox/invisible-characters";
import type { TrashItem } from "../sandbox/sandbox";

export const trashItemSchema = z.object({
  trashId: z.string().describe("Pass to restore_file or empty_trash"),
  path: z.string().describe("Where it was before it was deleted"),
  type: z.enum(["file", "directory"]),
  size: z.number(),
  deletedAt: z.string().optional().describe("ISO 8601"),
  deletedPath: z.string().optional().describe("What the delete was called on: this file, or the directory it was in"),
});

export function toTrashOutput(item: TrashItem): z.infer<typeof trashItemSchema> {
  return {
    trashId: item.trashId,
    path: item.path.display,
    type: item.type,
    size: item.size,
    ...(item.deletedAt ? { deletedAt: item.deletedAt } : {}),
    ...(item.deletedPath ? { deletedPath: `/${escapeInvisible(item.deletedPath)}` } : {}),
  };
}
