/**
 * `move_file`: the reference server's tool (source, destination) for files and directories. Fails if
 * the destination exists. Over R2 it is copy → verify → delete per object (sandbox-move.ts), so a
 * failure leaves the source intact and a retried move finishes an interrupted one.
 */
import * as z from "zod";
import { MAX_TREE_OBJECTS } from "../sandbox/sandbox";
import { operationFields, transferResult } from "./operation-output";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool } from "./tool-definition";

export const moveFile = defineTool({
  name: "move_file",
  title: "Move file",
  description:
    "Move or rename a file or directory. Fails if the destination already exists (nothing is overwritten). Missing parent " +
    `directories of the destination are created. A directory of more than ${MAX_TREE_OBJECTS} files and directories is moved in ` +
    "the background (the answer has an operationId for get_operation). If a move was interrupted, calling it again finishes it.",
  scope: "files:write",
  input: z.object({ source: pathField, destination: pathField }),
  output: z.object({
    source: z.string(),
    destination: z.string(),
    type: z.enum(["file", "directory"]),
    objects: z.number().optional().describe("Stored objects moved (files and directory markers)"),
    resumed: z.number().optional().describe("Objects an earlier, interrupted attempt had already copied"),
    ...operationFields,
  }),
  // Not idempotent: a repeated move finds the source gone (not_found) rather than the same success.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  cost: () => ({ units: 2, writes: 1 }),
  actions: ["move", "read", "delete", "write"],
  // Either side may be a directory with contents: `move` is checked on both as whole subtrees. A move
  // also reads its source and writes its destination, so a rule that forbids reading a file (a secret)
  // or writing a path holds for moves too: renaming `.env` to `notes.txt` must not launder a `read` deny.
  // Those two are checked on the paths named, not as subtrees: judged as a subtree, a `read` deny on
  // `**/.env` would refuse every move (any directory could hold one); rules meant to stop moving a
  // directory's contents list `move`, which is.
  access: ({ source, destination }) => [
    touch("move", source, "source", { allowRoot: false, subtree: true }),
    touch("read", source, "source", { allowRoot: false }),
    touch("delete", source, "source", { allowRoot: false }),
    touch("move", destination, "destination", { allowRoot: false, subtree: true }),
    touch("write", destination, "destination", { allowRoot: false }),
  ],
  async run({ source: rawSource, destination: rawDestination }, { sandbox }) {
    const source = sandbox.resolve(rawSource, "source", { allowRoot: false });
    const destination = sandbox.resolve(rawDestination, "destination", { allowRoot: false });
    return transferResult("moved", await sandbox.move(source, destination));
  },
});
