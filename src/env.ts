/** The Worker's bindings and variables (wrangler.toml, `.dev.vars`, dashboard secrets). */
import type { ConfigEnv } from "./config/config";
import type { TreeOperationPlan } from "./sandbox/sandbox";

export interface Env extends ConfigEnv {
  FILES: R2Bucket;
  /** Background directory operations (src/operations/tree-operation-workflow.ts). */
  TREE_OPERATIONS: Workflow<TreeOperationPlan>;
  /** The audit trail's own bucket: no tool and no sandbox ever receives it (src/audit/). */
  AUDIT: R2Bucket;
  /** Producer side of the audit queue; the consumer is this Worker's `queue` handler. */
  AUDIT_QUEUE: Queue<unknown>;
  /** API key records (`npm run keys`); without the binding every API key is refused as unknown. */
  API_KEYS?: KVNamespace;
}
