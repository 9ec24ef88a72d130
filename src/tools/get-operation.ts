/**
 * `get_operation` (ours): the state of a background directory operation started by delete_file,
 * move_file, copy_file or restore_file. Operation records live under the caller's tenant prefix, so an
 * id from another tenant is simply not found (never "forbidden", which would confirm it exists).
 */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import { operationRecordSchema } from "../sandbox/operation-record";
import { defineTool, textResult } from "./tool-definition";

const VERB = { delete: "Delete", move: "Move", copy: "Copy", restore: "Restore" } as const;

export const getOperation = defineTool({
  name: "get_operation",
  title: "Get operation",
  description:
    "Report the progress of a background directory operation (a delete, move, copy or restore too large for one call " +
    "answers with an operationId): status running, succeeded or failed, objects, files and bytes handled so far, and " +
    "the first problems (files that changed meanwhile or whose target was taken). Poll it until the status is not running.",
  scope: "files:read",
  input: z.object({
    operationId: z.string().min(1).max(100).describe("From delete_file, move_file, copy_file or restore_file"),
  }),
  output: operationRecordSchema,
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: [],
  // Touches no file; the record is shown as this caller may see it (readOperation in the sandbox).
  access: () => [],
  async run({ operationId }, { sandbox }) {
    const record = await sandbox.readOperation(operationId);
    if (!record) throw new ToolError("not_found", `No operation ${operationId}`, { operationId });
    const { objects, files, bytes, skipped } = record.progress;
    const target = record.destination ? ` to ${record.destination}` : "";
    const lines = [
      `${VERB[record.kind]} of ${record.source}${target}: ${record.status}; ${objects} objects (${files} files, ${bytes} bytes) done` +
        (skipped > 0 ? `, ${skipped} left in place` : "") +
        ".",
      ...(record.stoppedBy
        ? [`Stopped early, with the rest not handled: [${record.stoppedBy.code}] ${record.stoppedBy.message}`]
        : []),
      ...record.errors.map((error) => `- [${error.code}] ${error.path ? `${error.path}: ` : ""}${error.message}`),
    ];
    if (record.errorCount > record.errors.length)
      lines.push(`- … and ${record.errorCount - record.errors.length} more`);
    return textResult(lines.join("\n"), record);
  },
});
