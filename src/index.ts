/** Worker entry point: one Hono app per isolate; all per-request state lives in the request path. */
import { createApp } from "./app";
import type { Env } from "./env";

export { TreeOperationWorkflow } from "./operations/tree-operation-workflow";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
