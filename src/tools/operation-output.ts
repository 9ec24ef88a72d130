/**
 * How the directory tools (delete_file, move_file, copy_file, restore_file) answer when their work
 * continues in the background: at once, with the `operationId` (for get_operation) and `status:
 * "running"` in structuredContent, and a text that says what will happen and how to follow it.
 */
import * as z from "zod";
import type { MoveReceipt, OperationReceipt } from "../sandbox/sandbox";
import { type ToolOutput, textResult } from "./tool-definition";

/** Fields every directory tool's output schema gains for the background case. */
export const operationFields = {
  operationId: z
    .string()
    .optional()
    .describe("Set when the work continues in the background: pass to get_operation to follow it"),
  status: z.enum(["running"]).optional().describe("'running' when the work continues in the background"),
};

const DOING = { delete: "moving to the trash", move: "moving", copy: "copying", restore: "restoring" } as const;

export function isOperation(receipt: object): receipt is OperationReceipt {
  return "operationId" in receipt;
}

export function operationStarted(receipt: OperationReceipt, structured: Record<string, unknown>): ToolOutput {
  const target = receipt.destination ? ` to ${receipt.destination.display}` : "";
  return textResult(
    `${receipt.source.display} is too large for one call; ${DOING[receipt.kind]} it${target} continues in the background ` +
      `as operation ${receipt.operationId}. Call get_operation with this operationId to follow its progress; ` +
      "it reports every object it could not handle.",
    { ...structured, operationId: receipt.operationId, status: receipt.status },
  );
}

/**
 * The answer of move_file and copy_file: the background operation it started, or what it transferred
 * (`verb` is "moved" or "copied"). Both report the same structured fields.
 */
export function transferResult(verb: "moved" | "copied", receipt: MoveReceipt | OperationReceipt): ToolOutput {
  if (isOperation(receipt)) {
    return operationStarted(receipt, {
      source: receipt.source.display,
      destination: receipt.destination?.display,
      type: "directory",
    });
  }
  const { source, destination } = receipt;
  return textResult(`Successfully ${verb} ${source.display} to ${destination.display}`, {
    source: source.display,
    destination: destination.display,
    type: receipt.type,
    objects: receipt.objects,
    resumed: receipt.resumed,
  });
}
