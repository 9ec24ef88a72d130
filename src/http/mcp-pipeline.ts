/**
 * POST /mcp, top to bottom (DESIGN.md, "The request path"). Each stage owns one concern, takes the typed
 * results of the stages before it, and either hands on its own result or throws an HttpError carrying
 * the complete answer (the app's error handler sends it).
 *
 *   edge          config, Origin (middleware), declared body size, client IP     → Edge
 *   IP block      a blocked IP is refused from the isolate cache (429)
 *   authenticate  verifier by credential shape, then bindings (401 / 503)        → Principal
 *   body          capped read, exactly one JSON-RPC message, protocol headers
 *                 agreeing with it (413 / 400)                                   → ParsedMessage
 *   admission     rate limits and daily quotas, one limiter check (429 / 503)    → Admission
 *   authorize     the scope the tool needs (403 step-up)
 *   MCP           a fresh SDK server for this one message, against the caller's sandbox
 */
import type { Context } from "hono";
import { createStorageMeter } from "../limits/storage-meter";
import { handleMcpPost } from "../mcp/handle-mcp-post";
import { createWorkflowRunner } from "../operations/workflow-runner";
import { Sandbox } from "../sandbox/sandbox";
import { TOOLS } from "../tools/registry";
import { admit } from "./admission";
import type { AppEnv } from "./app-env";
import { authenticate } from "./authenticate";
import { decideAuthorization, enforceAuthorization } from "./authorize";
import { readMessage } from "./body";
import { openEdge } from "./edge";
import { refuseBlockedIp } from "./ip-block";
import { withHeaders } from "./responses";

export async function handleMcpRequest(c: Context<AppEnv>): Promise<Response> {
  const edge = openEdge(c);
  await refuseBlockedIp(edge);
  const principal = await authenticate(edge);
  const parsed = await readMessage(edge);
  const authorization = decideAuthorization(principal, parsed);
  const admission = await admit(edge, principal, parsed, { chargeQuotas: authorization.kind === "allow" });
  enforceAuthorization(edge, principal, authorization, parsed, admission.headers);

  const { config, limits } = edge.state;
  const meter = createStorageMeter(limits.ledger, admission.storageKey, config.limits.storageBytes, edge.log);
  const response = await handleMcpPost({
    request: edge.request,
    message: parsed.message,
    principal,
    sandbox: new Sandbox(edge.env.FILES, principal.tenant, {
      meter,
      operations: createWorkflowRunner(edge.env.TREE_OPERATIONS),
    }),
    log: edge.log,
    audit: edge.audit,
    tools: TOOLS,
    refusal: admission.refusal,
  });
  return withHeaders(response, admission.headers);
}
