/**
 * `restore_file` (ours): brings a trash entry back, to where it was or to a new path, never over an
 * existing file (create-only puts; a clash found up front changes nothing). A directory deleted
 * recursively is one entry and comes back whole; `path` restores only part of it.
 * Needs `files:write`, like any other write; counts as one write. Restored bytes count toward the
 * storage quota again.
 */
import * as z from "zod";
import { MAX_TREE_OBJECTS } from "../sandbox/sandbox";
import { isOperation, operationFields, operationStarted } from "./operation-output";
import { pathField } from "./schemas";
import { anywhere, touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const restoreFile = defineTool({
  name: "restore_file",
  title: "Restore from trash",
  description:
    "Restore a deleted file or directory from the trash (see list_trash for trash ids), to its original path or to " +
    "'destination'. Never overwrites: fails, restoring nothing, if a file already exists where something would be " +
    "restored. For an entry that is a whole directory, 'path' (an original path inside it) restores just that part. " +
    `An entry of more than ${MAX_TREE_OBJECTS} files and directories is restored in the background (the answer has an ` +
    "operationId for get_operation; files whose place is taken stay in the trash and are reported).",
  scope: "files:write",
  input: z.object({
    trashId: z.string().max(64).describe("From list_trash or delete_file"),
    path: pathField.optional().describe("Original path of the part of the entry to restore; default: all of it"),
    destination: pathField.optional().describe("Where to restore to; default: where it was"),
  }),
  output: z.object({
    trashId: z.string(),
    destination: z.string(),
    files: z.number().optional().describe("Files restored (absent while running in the background)"),
    size: z.number().optional().describe("Their total bytes"),
    ...operationFields,
  }),
  // Not idempotent: the entry leaves the trash, so a second call finds nothing to restore.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  cost: () => ({ units: 2, writes: 1 }),
  actions: ["restore", "write"],
  // Where it lands is known only from the destination or path given; otherwise anywhere it came from.
  // A restore also writes where it lands, and, to another destination, reads the original; the storage
  // gate judges every object (the original paths are known only once the trash is read).
  access: ({ path, destination }) => {
    const target = destination ?? path;
    const parameter = destination !== undefined ? "destination" : "path";
    if (target === undefined) return [anywhere("restore")];
    return [
      touch("restore", target, parameter, { allowRoot: false, subtree: true }),
      touch("write", target, parameter, { allowRoot: false }),
    ];
  },
  async run({ trashId, path: rawPath, destination: rawDestination }, { sandbox }) {
    const path = rawPath === undefined ? undefined : sandbox.resolve(rawPath, "path", { allowRoot: false });
    const destination =
      rawDestination === undefined ? undefined : sandbox.resolve(rawDestination, "destination", { allowRoot: false });
    const receipt = await sandbox.restoreFromTrash(trashId, { path, destination });
    if (isOperation(receipt)) {
      return operationStarted(receipt, { trashId, destination: receipt.destination!.display });
    }
    return textResult(
      `Restored ${receipt.files} file(s) from trash entry ${trashId} to ${receipt.destination.display}`,
      {
        trashId,
        destination: receipt.destination.display,
        files: receipt.files,
        size: receipt.size,
      },
    );
  },
});
