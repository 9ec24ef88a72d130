/** The Worker's bindings and variables (wrangler.toml, `.dev.vars`, dashboard secrets). */
import type { ConfigEnv } from "./config/config";

export interface Env extends ConfigEnv {
  FILES: R2Bucket;
  /** The audit trail's own bucket: no tool and no sandbox ever receives it (src/audit/). */
  AUDIT: R2Bucket;
  /** Producer side of the audit queue; the consumer is this Worker's `queue` handler. */
  AUDIT_QUEUE: Queue<unknown>;
}
