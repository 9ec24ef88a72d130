/**
 * `copy_file` (ours): copies a file or a directory with everything in it. Never overwrites: an existing
 * destination is refused before anything is copied, and every put is create-only. Each copy is verified
 * (size, and the MD5 etag where R2 has one) as move_file's are, and an interrupted copy finishes when
 * called again (identical copies already there count as `resumed`). The copied bytes count toward the
 * storage quota.
 */
import * as z from "zod";
import { MAX_TREE_OBJECTS } from "../sandbox/sandbox";
import { operationFields, transferResult } from "./operation-output";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool } from "./tool-definition";

export const copyFile = defineTool({
  name: "copy_file",
  title: "Copy file",
  description:
    "Copy a file or a directory (with everything in it) to a new path. Fails if the destination already exists (nothing " +
    "is overwritten); missing parent directories of the destination are created. Every copy is verified. If a copy was " +
    `interrupted, calling it again finishes it. A directory of more than ${MAX_TREE_OBJECTS} files and directories is copied in the ` +
    "background (the answer has an operationId for get_operation).",
  scope: "files:write",
  input: z.object({ source: pathField, destination: pathField }),
  output: z.object({
    source: z.string(),
    destination: z.string(),
    type: z.enum(["file", "directory"]),
    objects: z.number().optional().describe("Stored objects copied (files and directory markers)"),
    resumed: z.number().optional().describe("Objects an earlier, interrupted attempt had already copied"),
    ...operationFields,
  }),
  // Not destructive (nothing existing is changed); not idempotent (a second call finds the destination).
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  cost: () => ({ units: 2, writes: 1 }),
  actions: ["read", "write"],
  // Either side may be a directory: the named paths are decided up front, and the storage gate judges
  // every object copied (`read` at its source, `write` at its target) before anything is copied, as
  // for move_file; judged as subtrees here, `**/.env` would refuse every copy.
  access: ({ source, destination }) => [
    touch("read", source, "source", { allowRoot: false }),
    touch("write", destination, "destination", { allowRoot: false }),
  ],
  async run({ source: rawSource, destination: rawDestination }, { sandbox }) {
    const source = sandbox.resolve(rawSource, "source", { allowRoot: false });
    const destination = sandbox.resolve(rawDestination, "destination", { allowRoot: false });
    return transferResult("copied", await sandbox.copy(source, destination));
  },
});
