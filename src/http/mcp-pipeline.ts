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
 *   authorize     the tools/call parsed once, one policy decision naming its rule → ToolDecision
 *   admission     rate limits and daily quotas, one limiter check (429 / 503)    → Admission
 *                 (decided after authorize, answered before it: a refused call still spends rate
 *                 limit, never quota)
 *   refuse        the decision's HTTP answers: 403 scope step-up, 401 RFC 9470 step-up
 *   MCP           a fresh SDK server for this one message, against the caller's sandbox
 */
import type { Context } from "hono";
import { createStorageMeter } from "../limits/storage-meter";
import { handleMcpPost } from "../mcp/handle-mcp-post";
import { createWorkflowRunner } from "../operations/workflow-runner";
import { mayEverUse } from "../policy/decide";
import { createAccessGate } from "../policy/gate";
import { Sandbox } from "../sandbox/sandbox";
import { findTool, TOOLS } from "../tools/registry";
import { parseToolCall } from "../tools/tool-call";
import { admit } from "./admission";
import type { AppEnv } from "./app-env";
import { authenticate } from "./authenticate";
import { authorizeCall, httpRefusal, toCaller } from "./authorize";
import { readMessage } from "./body";
import { openEdge } from "./edge";
import { refuseBlockedIp } from "./ip-block";
import { HttpError, withHeaders } from "./responses";

export async function handleMcpRequest(c: Context<AppEnv>): Promise<Response> {
  const edge = openEdge(c);
  await refuseBlockedIp(edge);
  const principal = await authenticate(edge);
  const parsed = await readMessage(edge);
  const { config, limits } = edge.state;
  const { policy } = config;
  const call = parseToolCall(parsed.message, findTool);
  const caller = toCaller(principal);
  const now = Math.floor(Date.now() / 1000);
  const decision = authorizeCall(call, {
    policy,
    caller,
    now,
    confirmed: false,
    log: edge.log,
  });
  // A confirm decision on a call that carries the answer will most likely run: charge it like one.
  const answering =
    decision?.decision.effect === "confirm" &&
    typeof (parsed.message.params as { requestState?: unknown } | undefined)?.requestState === "string";
  const refused = decision !== undefined && decision.decision.effect !== "allow" && !answering;
  const admission = await admit(edge, principal, parsed, { chargeQuotas: !refused, call });
  const refusal =
    decision &&
    httpRefusal(decision, {
      resourceMetadataUrl: edge.state.resourceMetadataUrl,
      grantedScopes: principal.scopes,
      id: parsed.id,
      headers: admission.headers,
      log: edge.log,
    });
  if (refusal) throw new HttpError(refusal);

  // The one gate every R2 access for this caller goes through (src/policy/gate.ts).
  const gate = createAccessGate(policy, caller, now);
  const meter = createStorageMeter(
    limits.ledger,
    admission.storageKey,
    config.limits.storageBytes,
    edge.log,
    admission.storageReserved,
  );
  try {
    const response = await handleMcpPost({
      request: edge.request,
      message: parsed.message,
      principal,
      sandbox: new Sandbox(edge.env.FILES, principal.tenant, {
        gate,
        meter,
        operations: createWorkflowRunner(edge.env.TREE_OPERATIONS),
      }),
      gate,
      log: edge.log,
      audit: edge.audit,
      listed:
        policy.toolsList === "permitted"
          ? TOOLS.filter((tool) => mayEverUse(policy, caller, tool.scope, tool.actions))
          : TOOLS,
      call,
      decision,
      policy,
      caller,
      confirmationSecret: config.confirmationSecret,
      usedConfirmations: edge.state.usedConfirmations,
      refusal: admission.refusal,
      defer: edge.defer,
    });
    return withHeaders(response, admission.headers);
  } finally {
    // The unspent reservation and any freed bytes go back after the answer, not before it.
    edge.defer(meter.settle());
  }
}
