/**
 * Worker entry point: one Hono app per isolate (all per-request state lives in the request path), and
 * the audit queue's consumer (src/audit-consumer.ts).
 */
import { createApp } from "./app";
import type { Env } from "./env";
import { loadOnce } from "./loading/load-once";

export { TreeOperationWorkflow } from "./operations/tree-operation-workflow";

const app = createApp();

// The consumer (trail writer, signing, detectors, SIEM sink and their schemas) is loaded with the first
// queue batch, not at module load: most isolates only ever serve requests. Same bundle, evaluated once;
// a failed load throws, so the batch is retried (and dead-lettered), never acknowledged unwritten.
const auditConsumer = loadOnce(() =>
  import("./audit-consumer").then(({ createAuditConsumer }) => createAuditConsumer()),
);

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: async (batch, env) => (await auditConsumer())(batch, env),
} satisfies ExportedHandler<Env>;
