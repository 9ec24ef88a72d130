/**
 * `delete_file` (ours): moves a file to the tenant's trash, from which it can be restored until the
 * operator's lifecycle rule expires it (DESIGN invariant 6). Needs `files:delete`.
 */
import { z } from "zod";
import { pathField } from "./schemas";
import { defineTool, textResult } from "./tool-definition";

export const deleteFile = defineTool({
  name: "delete_file",
  title: "Delete file",
  description:
    "Delete a file by moving it to your trash. It disappears from listings and searches but can be restored " +
    "until the trash is emptied or expires. Returns the trash id.",
  scope: "files:delete",
  input: z.object({ path: pathField }),
  output: z.object({ path: z.string(), trashId: z.string(), size: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  cost: () => ({ units: 1, deletes: 1 }),
  async run({ path: raw }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const receipt = await sandbox.moveFileToTrash(path);
    return textResult(`Moved ${path.display} to trash (trash id ${receipt.trashId})`, {
      path: path.display,
      trashId: receipt.trashId,
      size: receipt.size,
    });
  },
});
