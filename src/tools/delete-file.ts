/**
 * `delete_file` (ours): moves a file, or with `recursive: true` a directory and everything in it, to the
 * tenant's trash under one trash id, from which restore_file brings it back until empty_trash or the
 * operator's lifecycle rule removes it (invariant 6, docs/architecture.md). Needs `files:delete`.
 *
 * Cost: one delete toward the daily quota per call, recursive or not (the count of files is not known
 * before the call runs, and a recursive delete is capped at MAX_TREE_OBJECTS objects).
 */
import * as z from "zod";
import { MAX_TREE_OBJECTS } from "../sandbox/sandbox";
import { isOperation, operationFields, operationStarted } from "./operation-output";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const deleteFile = defineTool({
  name: "delete_file",
  title: "Delete file",
  description:
    "Delete a file by moving it to your trash. It disappears from listings and searches but can be restored with " +
    "restore_file until the trash is emptied or expires. To delete a directory and everything in it, pass recursive: true " +
    `(a directory of more than ${MAX_TREE_OBJECTS} files and directories is deleted in the background: the answer has an operationId ` +
    "for get_operation). Returns the trash id.",
  scope: "files:delete",
  input: z.object({
    path: pathField,
    recursive: z
      .boolean()
      .optional()
      .describe("Required to delete a directory: moves it and all its contents to the trash."),
  }),
  output: z.object({
    path: z.string(),
    trashId: z.string().describe("Pass to restore_file to undo, or to empty_trash to destroy"),
    type: z.enum(["file", "directory"]),
    files: z.number().optional().describe("Files moved to the trash (absent while running in the background)"),
    size: z.number().optional().describe("Their total bytes"),
    ...operationFields,
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  cost: ({ recursive }) => ({ units: recursive ? 5 : 1, deletes: 1 }),
  actions: ["delete"],
  access: ({ path, recursive }) => [touch("delete", path, "path", { allowRoot: false, subtree: recursive === true })],
  async run({ path: raw, recursive }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const receipt = await sandbox.moveToTrash(path, { recursive });
    if (isOperation(receipt)) {
      return operationStarted(receipt, { path: path.display, trashId: receipt.trashId, type: "directory" });
    }
    const what = receipt.type === "directory" ? `directory ${path.display} (${receipt.files} files)` : path.display;
    return textResult(`Moved ${what} to trash (trash id ${receipt.trashId})`, {
      path: path.display,
      trashId: receipt.trashId,
      type: receipt.type,
      files: receipt.files,
      size: receipt.size,
    });
  },
});
