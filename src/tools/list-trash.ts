/**
 * `list_trash` (ours): what delete_file moved to the trash, oldest first (trash ids sort by time), in
 * pages of up to 1000 objects. A directory deleted recursively shows as its files and directories,
 * all under one trash id.
 */
import * as z from "zod";
import { cursorField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";
import { toTrashOutput, trashItemSchema } from "./trash-output";

export const listTrash = defineTool({
  name: "list_trash",
  title: "List trash",
  description:
    "List deleted files and directories that can still be restored, oldest first: trash id, original path, size and when " +
    "it was deleted. A directory deleted with recursive: true appears as its contents under one trash id. Pass trashId to " +
    "list one entry. Comes in pages of up to 1000; when the result has a nextCursor, call again with it.",
  scope: "files:read",
  input: z.object({
    trashId: z.string().max(64).optional().describe("Only this trash entry"),
    cursor: cursorField.optional(),
  }),
  output: z.object({ items: z.array(trashItemSchema), nextCursor: z.string().optional() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["list"],
  // The trash shows original paths from anywhere in the tree; the storage gate leaves out each entry
  // whose original path the caller may not list, so only the root is decided up front.
  access: () => [touch("list", "", "path")],
  async run({ trashId, cursor }, { sandbox }) {
    const page = await sandbox.listTrash({ trashId, cursor });
    const items = page.items.map(toTrashOutput);
    const lines = items.map(
      (item) =>
        `${item.trashId} ${item.type === "directory" ? "[DIR] " : "[FILE]"} ${item.path} (${item.size} bytes${item.deletedAt ? `, deleted ${item.deletedAt}` : ""})`,
    );
    if (lines.length === 0) lines.push("(the trash is empty)");
    if (page.nextCursor) lines.push(`(more entries: call again with cursor "${page.nextCursor}")`);
    return textResult(lines.join("\n"), { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  },
});
