/** The Hono app's typed context: the Worker's bindings and what the edge middleware hands on. */
import type { RequestLog } from "../audit/audit-log";
import type { RequestAudit } from "../audit/request-audit";
import type { Env } from "../env";
import type { IsolateConfig } from "./isolate-config";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    log: RequestLog;
    audit: RequestAudit;
    /** The isolate's config, set by the Origin policy on /mcp (isolate-config.ts). */
    isolateConfig: IsolateConfig;
    /** Set by the Origin policy once it ran, so its catch-all registration skips a request already seen. */
    originChecked: boolean;
  };
};
