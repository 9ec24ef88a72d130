/**
 * The Workflow behind background directory operations (tree-operation-run.ts does the work). The class
 * must be exported at module load, but its run, the sandbox and the limiter it needs are loaded with the
 * first run, not with every isolate (docs/performance.md, "Startup"). A failed load rejects the run
 * before any step: the instance errors with nothing changed, never a step run without its checks.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { loadOnce } from "../loading/load-once";
import type { OperationRecord } from "../sandbox/operation-record";
import type { TreeOperationPlan } from "../sandbox/sandbox";
import type { Env } from "./tree-operation-run";

const loadRun = loadOnce(() => import("./tree-operation-run").then((module) => module.runTreeOperation));

export class TreeOperationWorkflow extends WorkflowEntrypoint<Env, TreeOperationPlan> {
  override async run(event: Readonly<WorkflowEvent<TreeOperationPlan>>, step: WorkflowStep): Promise<OperationRecord> {
    const runTreeOperation = await loadRun();
    return runTreeOperation(this.env, event, step);
  }
}
