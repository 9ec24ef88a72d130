/**
 * Background directory operations, both ends of them (the file API is sandbox.ts):
 * - control, for the `Sandbox` a tool holds: when a tree is too large for one request, starting an
 *   operation (its record written first, so get_operation sees it at once, then the runner started,
 *   carrying the caller's gate inputs) and reading an operation's record;
 * - `OperationSteps`, for the Workflow itself (src/operations/): the preflight that judges every object
 *   before anything changes, the batches, the record, the finish. It builds the caller's gate from what
 *   the plan carries, so no step can touch the tenant's objects without the caller's policy.
 */
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import { gateFromCarried } from "../policy/gate";
import {
  initialRecord,
  newOperationId,
  type OperationKind,
  type OperationRecord,
  readOperationRecord,
  type TreeOperationPlan,
  writeOperationRecord,
} from "./operation-record";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import { keepParent } from "./sandbox-trash";
import { createStorage, isVisible, listSubtree, r2, type Storage, type StorageMeter } from "./storage";
import { isOperationId } from "./storage-keys";
import { type BatchResult, checkOperationPage, runTreeBatch } from "./tree-batch";
import { MAX_TREE_OBJECTS } from "./tree-limits";

/**
 * Runs directory operations too large for one request in the background (a Cloudflare Workflow in
 * production, src/operations/). The sandbox decides when, writes the operation's record, and hands over
 * the plan; the runner only starts it and reports the engine's view of it.
 */
export interface OperationRunner {
  start(plan: TreeOperationPlan): Promise<void>;
  /** True when the engine gave up on the operation (errored or terminated) before it could finish. */
  hasStopped(operationId: string): Promise<boolean>;
}

/** What a tool answers at once when its directory operation continues in the background. */
export interface OperationReceipt {
  readonly operationId: string;
  readonly kind: OperationKind;
  readonly status: "running";
  readonly source: SandboxPath;
  readonly destination: SandboxPath | undefined;
  readonly trashId: string | undefined;
}

/** More objects than one request handles (MAX_TREE_OBJECTS), and a runner to take them on. */
export async function isLargeTree(
  storage: Storage,
  runner: OperationRunner | undefined,
  path: SandboxPath,
): Promise<boolean> {
  if (!runner) return false; // the synchronous path then refuses with limit_reached
  const { more } = await listSubtree(storage, path, MAX_TREE_OBJECTS);
  return more;
}

/** Writes the operation's record (so get_operation sees it at once), then starts it. */
export async function startOperation(
  storage: Storage,
  tenant: string,
  runner: OperationRunner,
  spec: { kind: OperationKind; source: SandboxPath; destination?: SandboxPath; trashId?: string },
): Promise<OperationReceipt> {
  const plan: TreeOperationPlan = {
    operationId: newOperationId(storage.now()),
    tenant,
    kind: spec.kind,
    source: spec.source.relative,
    ...(spec.destination ? { destination: spec.destination.relative } : {}),
    ...(spec.trashId ? { trashId: spec.trashId } : {}),
    startedAt: new Date(storage.now()).toISOString(),
    // The caller and its policy travel with the operation: every step goes through the same gate.
    decision: storage.gate.carried,
  };
  await writeOperationRecord(storage, initialRecord(plan));
  try {
    await runner.start(plan);
  } catch (error) {
    // Never leave a "running" record for an operation that does not exist.
    await r2(() => storage.bucket.delete(storage.keys.operationKey(plan.operationId)));
    throw error instanceof DependencyUnavailableError
      ? error
      : new DependencyUnavailableError("workflows", { cause: error });
  }
  return {
    operationId: plan.operationId,
    kind: spec.kind,
    status: "running",
    source: spec.source,
    destination: spec.destination,
    trashId: spec.trashId,
  };
}

/** One background operation's record, if it belongs to this tenant; null otherwise. */
export async function readOperation(
  storage: Storage,
  runner: OperationRunner | undefined,
  operationId: string,
): Promise<OperationRecord | null> {
  if (!isOperationId(operationId)) {
    throw new ToolError("invalid_arguments", "operationId is not one this server returned", {
      parameter: "operationId",
    });
  }
  const stored = await readOperationRecord(storage, operationId);
  const record = stored && recordAsSeen(storage, stored);
  if (record?.status !== "running" || !runner) return record;
  if (!(await runner.hasStopped(operationId))) return record;
  return {
    ...record,
    status: "failed",
    errors: [
      ...record.errors,
      {
        code: "unavailable",
        message:
          "The operation stopped after repeated storage failures. Every object is either where it was or where it was going; call the tool again to finish.",
      },
    ],
    errorCount: record.errorCount + 1,
  };
}

/**
 * A record as this caller may see it. An id is a capability anyone in the tenant may hold (it can be
 * passed along or logged), so the record is judged against the reader's own `list` rights, not its
 * starter's: an operation on a directory the reader may not list is simply not found (as another
 * tenant's is), and a problem naming a path the reader may not list is left out of `errors` (still
 * counted in `errorCount`).
 */
function recordAsSeen(storage: Storage, record: OperationRecord): OperationRecord | null {
  const visible = (shown: string) => {
    try {
      return isVisible(storage, parseSandboxPath(shown, "path", { allowRoot: true }));
    } catch {
      return false; // a stored path this server cannot parse back is judged hidden: fail closed
    }
  };
  if (!visible(record.source)) return null;
  if (record.destination !== undefined && !visible(record.destination)) return null;
  const errors = record.errors.filter((error) => error.path === undefined || visible(error.path));
  return errors.length === record.errors.length ? record : { ...record, errors };
}

/** The steps of one background operation, for the Workflow: its tenant, its caller's gate, its plan. */
export class OperationSteps {
  readonly #storage: Storage;
  readonly #plan: TreeOperationPlan;

  constructor(bucket: R2Bucket, plan: TreeOperationPlan, options: { meter?: StorageMeter; now?: () => number } = {}) {
    this.#plan = plan;
    this.#storage = createStorage(bucket, plan.tenant, { gate: gateFromCarried(plan.decision), ...options });
  }

  /** One preflight page: every object judged by the gate before the first batch; see tree-batch.ts. */
  checkPage(after: string | undefined): Promise<{ next: string | undefined; refusal: ToolError | undefined }> {
    return checkOperationPage(this.#storage, this.#plan, after);
  }

  /** One batch of objects; see tree-batch.ts. */
  runBatch(after: string | undefined): Promise<BatchResult> {
    return runTreeBatch(this.#storage, this.#plan, after);
  }

  writeRecord(record: OperationRecord): Promise<void> {
    return writeOperationRecord(this.#storage, record);
  }

  /** After the last step: a deleted or moved directory's parent stays, as after a synchronous call. */
  async finish(): Promise<void> {
    if (this.#plan.kind === "delete" || this.#plan.kind === "move") {
      await keepParent(this.#storage, parseSandboxPath(this.#plan.source, "source", { allowRoot: false }));
    }
  }
}
