/**
 * The Workflow behind background directory operations (delete, move, copy, restore of trees over
 * MAX_TREE_OBJECTS). Each step handles one batch of objects (src/sandbox/tree-batch.ts) and records the
 * progress so far; the engine persists each step's result, so after a crash or a deploy the instance
 * resumes after the last finished step, and a step that failed part-way is retried (its per-object work
 * is resumable, so a retry never duplicates or loses anything).
 *
 * - R2 (or the storage ledger) failing inside a step → the step throws and is retried with exponential
 *   backoff. When the retries run out, the record says `failed` with what was done, and the instance
 *   errors: nothing is half-done without saying so; every object is at its source or its target.
 * - A caller's condition (a storage quota reached by a copy or restore) is not retried: the operation
 *   stops, `failed` with that error as `stoppedBy`, and its progress counts exactly the objects handled
 *   before it, those of the step it stopped in included.
 * - Storage quota: the operation runs with the tenant's storage meter, as the synchronous tools do.
 * - Access policy: the plan carries the caller and the policy its call was decided under; every step
 *   runs against a sandbox with that caller's gate (src/policy/gate.ts). Before the first batch, the
 *   preflight steps judge every object the operation will touch, and one refused object fails the whole
 *   operation with nothing changed, as the synchronous call would have been refused.
 */
import type { WorkflowEvent, WorkflowStep, WorkflowStepConfig } from "cloudflare:workers";
import { createRequestLog } from "../audit/audit-log";
import { type ConfigEnv, parseEnvironment } from "../config/config";
import { parseLimitsConfig } from "../config/limits-config";
import { ToolError } from "../errors/tool-error";
import { createLimitsRuntime, type LimitsRuntime } from "../limits/limits-runtime";
import { storageKey, tenantHash } from "../limits/redis-keys";
import { createStorageMeter } from "../limits/storage-meter";
import {
  initialRecord,
  MAX_RECORDED_ERRORS,
  type OperationError,
  type OperationProgress,
  type OperationRecord,
} from "../sandbox/operation-record";
import { OperationSteps, type TreeOperationPlan } from "../sandbox/sandbox";

/** What the Workflow needs of the Worker's env (declared here, not from src/env.ts: no folder imports the app). */
export type Env = ConfigEnv & { readonly FILES: R2Bucket };

const STEP: WorkflowStepConfig = {
  retries: { limit: 6, delay: "2 seconds", backoff: "exponential" },
  timeout: "5 minutes",
};

// The limiter runtime is safe to share between operations and tenants, like the app's per-isolate state.
const runtimes = new WeakMap<object, LimitsRuntime>();

function limitsFor(env: Env): LimitsRuntime {
  let runtime = runtimes.get(env);
  if (!runtime) {
    runtime = createLimitsRuntime(parseLimitsConfig(env, parseEnvironment(env.ENVIRONMENT)));
    runtimes.set(env, runtime);
  }
  return runtime;
}

async function stepsFor(env: Env, plan: TreeOperationPlan): Promise<OperationSteps> {
  const limits = limitsFor(env);
  const log = createRequestLog(plan.operationId);
  log.set({ tool: `operation:${plan.kind}` });
  const meter = createStorageMeter(
    limits.ledger,
    storageKey(await tenantHash(plan.tenant)),
    limits.config.storageBytes,
    log,
  );
  // The caller's gate is built from what the plan carries (src/sandbox/background-operations.ts).
  return new OperationSteps(env.FILES, plan, { meter });
}

type StepOutcome =
  | { readonly ok: true; readonly next: string | undefined; readonly record: OperationRecord }
  | { readonly ok: false; readonly error: OperationError; readonly record?: OperationRecord };

function add(a: OperationProgress, b: OperationProgress): OperationProgress {
  return {
    objects: a.objects + b.objects,
    files: a.files + b.files,
    bytes: a.bytes + b.bytes,
    resumed: a.resumed + b.resumed,
    skipped: a.skipped + b.skipped,
  };
}

/** The Workflow's run (tree-operation-workflow.ts loads this module with its first run). */
export async function runTreeOperation(
  env: Env,
  event: Readonly<WorkflowEvent<TreeOperationPlan>>,
  step: WorkflowStep,
): Promise<OperationRecord> {
  const plan = event.payload;
  let record = initialRecord(plan);
  let after: string | undefined;
  try {
    for (let page = 1; ; page++) {
      const cursor = after;
      const checked = await step.do(`preflight ${page}`, STEP, async () => {
        const steps = await stepsFor(env, plan);
        const { next, refusal } = await steps.checkPage(cursor);
        return { next, refusal: refusal ? { code: refusal.code, message: refusal.message } : undefined };
      });
      if (checked.refusal) return await finish(env, step, plan, record, "failed", checked.refusal);
      if (checked.next === undefined) break;
      after = checked.next;
    }
    after = undefined;
    for (let batch = 1; ; batch++) {
      const previous = record;
      const cursor = after;
      const outcome: StepOutcome = await step.do(`batch ${batch}`, STEP, async (): Promise<StepOutcome> => {
        const steps = await stepsFor(env, plan);
        try {
          const result = await steps.runBatch(cursor);
          const next: OperationRecord = {
            ...previous,
            updatedAt: new Date().toISOString(),
            progress: add(previous.progress, result.progress),
            errors: [...previous.errors, ...result.errors].slice(0, MAX_RECORDED_ERRORS),
            errorCount: previous.errorCount + result.errorCount,
          };
          await steps.writeRecord(next);
          // Stopped part-way on the caller's condition: what was done is in the record already.
          if (result.stopped) return { ok: false, error: result.stopped, record: next };
          return { ok: true, next: result.next, record: next };
        } catch (error) {
          // The caller's condition (e.g. the storage quota): retrying cannot help.
          if (error instanceof ToolError) return { ok: false, error: { code: error.code, message: error.message } };
          throw error;
        }
      });
      if (!outcome.ok) {
        record = await finish(env, step, plan, outcome.record ?? record, "failed", outcome.error);
        return record;
      }
      record = outcome.record;
      if (outcome.next === undefined) break;
      after = outcome.next;
    }
    return await finish(env, step, plan, record, record.errorCount === 0 ? "succeeded" : "failed");
  } catch (error) {
    await finish(env, step, plan, record, "failed", {
      code: "unavailable",
      message:
        "Storage kept failing, so the operation stopped. Every object is either where it was or where it was going; call the tool again to finish.",
    });
    throw error;
  }
}

async function finish(
  env: Env,
  step: WorkflowStep,
  plan: TreeOperationPlan,
  record: OperationRecord,
  status: "succeeded" | "failed",
  error?: OperationError,
): Promise<OperationRecord> {
  return step.do(`finish (${status})`, STEP, async () => {
    const steps = await stepsFor(env, plan);
    if (status === "succeeded" || !error) await steps.finish();
    const now = new Date().toISOString();
    const final: OperationRecord = {
      ...record,
      status,
      updatedAt: now,
      finishedAt: now,
      ...(error
        ? {
            errors: [...record.errors, error].slice(-MAX_RECORDED_ERRORS),
            errorCount: record.errorCount + 1,
            stoppedBy: error,
          }
        : {}),
    };
    await steps.writeRecord(final);
    return final;
  });
}
