/**
 * `OperationRunner` (the sandbox's port) over the Cloudflare Workflow binding TREE_OPERATIONS: the
 * operation id is the Workflow instance id, so starting twice is refused by the engine rather than run
 * twice. The engine failing to answer is an outage (503), never the caller's mistake.
 */
import { DependencyUnavailableError } from "../errors/tool-error";
import type { OperationRunner, TreeOperationPlan } from "../sandbox/sandbox";

export function createWorkflowRunner(binding: Workflow<TreeOperationPlan>): OperationRunner {
  return {
    async start(plan) {
      try {
        await binding.create({ id: plan.operationId, params: plan });
      } catch (error) {
        throw new DependencyUnavailableError("workflows", { cause: error });
      }
    },
    async hasStopped(operationId) {
      try {
        const { status } = await (await binding.get(operationId)).status();
        return status === "errored" || status === "terminated";
      } catch (error) {
        throw new DependencyUnavailableError("workflows", { cause: error });
      }
    },
  };
}
