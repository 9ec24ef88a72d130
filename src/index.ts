/**
 * Worker entry point: one Hono app per isolate (all per-request state lives in the request path), and
 * the audit queue's consumer (src/audit-consumer.ts).
 */
import { createApp } from "./app";
import { createAuditConsumer } from "./audit-consumer";
import type { Env } from "./env";

export { TreeOperationWorkflow } from "./operations/tree-operation-workflow";

const app = createApp();
const queue = createAuditConsumer();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: (batch, env) => queue(batch, env),
} satisfies ExportedHandler<Env>;
