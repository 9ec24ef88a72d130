/**
 * Background directory operations (delete, move, copy, restore of trees too large for one request):
 * what one is (`TreeOperationPlan`, the Workflow's parameters) and what callers can learn about it
 * (`OperationRecord`, kept at `ops/<tenant>/<operationId>` and read by get_operation).
 *
 * The record is written before the Workflow starts and after every step, so its progress is what has
 * durably happened. It lives under the tenant's own key prefix, so an operation id from another tenant
 * finds nothing: no lookup by id alone ever crosses tenants. It holds paths and counts, never content.
 */
import * as z from "zod";
import { DependencyUnavailableError } from "../errors/tool-error";
import type { CarriedDecisionInputs } from "../policy/gate";
import { escapeInvisible } from "./invisible-characters";
import { r2, type Storage } from "./storage";

export type OperationKind = "delete" | "move" | "copy" | "restore";
export type OperationStatus = "running" | "succeeded" | "failed";

/** Everything the Workflow needs; paths are canonical relative paths (`a/b`), never keys. */
export interface TreeOperationPlan {
  readonly operationId: string;
  readonly tenant: string;
  readonly kind: OperationKind;
  /** delete/move/copy: the directory; restore: the original path restored (inside the trash entry). */
  readonly source: string;
  /** move/copy/restore: where to. */
  readonly destination?: string | undefined;
  /** delete: the entry the tree goes to; restore: the entry it comes from. */
  readonly trashId?: string | undefined;
  readonly startedAt: string;
  /**
   * Who asked, and under which policy (src/policy/gate.ts): each step builds the caller's gate from it,
   * so the background operation is held to the same rules as the call that started it.
   */
  readonly decision: CarriedDecisionInputs;
}

export const MAX_RECORDED_ERRORS = 20;

const errorSchema = z.object({ code: z.string(), message: z.string(), path: z.string().optional() });
export type OperationError = z.infer<typeof errorSchema>;

const progressSchema = z.object({
  objects: z.number().describe("Stored objects handled so far (files and directory markers)"),
  files: z.number().describe("Files handled so far"),
  bytes: z.number().describe("Bytes of those files"),
  resumed: z.number().describe("Objects found already done by an earlier, interrupted attempt"),
  skipped: z.number().describe("Objects left where they were (changed meanwhile, or the target was taken)"),
});
export type OperationProgress = z.infer<typeof progressSchema>;

export const operationRecordSchema = z.object({
  operationId: z.string(),
  kind: z.enum(["delete", "move", "copy", "restore"]),
  status: z.enum(["running", "succeeded", "failed"]),
  source: z.string(),
  destination: z.string().optional(),
  trashId: z.string().optional(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  progress: progressSchema,
  errors: z.array(errorSchema).describe(`The first ${MAX_RECORDED_ERRORS} problems`),
  errorCount: z.number(),
  stoppedBy: errorSchema
    .optional()
    .describe("Why a failed operation stopped before handling every object; progress is what it had done by then"),
});
export type OperationRecord = z.infer<typeof operationRecordSchema>;

export const NO_PROGRESS: OperationProgress = { objects: 0, files: 0, bytes: 0, resumed: 0, skipped: 0 };

/** As `SandboxPath.display`: invisible characters escaped, since get_operation shows the record as is. */
export function display(relative: string | undefined): string | undefined {
  return relative === undefined ? undefined : `/${escapeInvisible(relative)}`;
}

export function initialRecord(plan: TreeOperationPlan): OperationRecord {
  return {
    operationId: plan.operationId,
    kind: plan.kind,
    status: "running",
    source: display(plan.source)!,
    ...(plan.destination !== undefined ? { destination: display(plan.destination) } : {}),
    ...(plan.trashId !== undefined ? { trashId: plan.trashId } : {}),
    startedAt: plan.startedAt,
    updatedAt: plan.startedAt,
    progress: NO_PROGRESS,
    errors: [],
    errorCount: 0,
  };
}

export async function writeOperationRecord(storage: Storage, record: OperationRecord): Promise<void> {
  await r2(() =>
    storage.bucket.put(storage.keys.operationKey(record.operationId), JSON.stringify(record), {
      httpMetadata: { contentType: "application/json" },
    }),
  );
}

export async function readOperationRecord(storage: Storage, operationId: string): Promise<OperationRecord | null> {
  const object = await r2(() => storage.bucket.get(storage.keys.operationKey(operationId)));
  if (!object) return null;
  const parsed = operationRecordSchema.safeParse(await r2(() => object.json()));
  if (!parsed.success) {
    // Only this server writes under ops/; a record it cannot read is a storage fault, not the caller's.
    throw new DependencyUnavailableError("r2", { cause: new Error("unreadable operation record") });
  }
  return parsed.data;
}

export function newOperationId(now: number): string {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `op-${now.toString(36).padStart(9, "0")}-${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}
