/**
 * POST /mcp, top to bottom (DESIGN.md, "The request path"). Each stage owns one concern, takes the typed
 * results of the stages before it, and either hands on its own result or throws an HttpError carrying
 * the complete answer (the app's error handler sends it).
 *
 *   edge          config, Origin (middleware), declared body size, client IP     → Edge
 *   IP block      a blocked IP is refused from the isolate cache (429)
 *   authenticate  verifier by credential shape, then bindings (401 / 503)        → Principal
 *   body          capped read, one JSON-RPC message (or a 2025-03-26 batch, each
 *                 member served below in turn: batch.ts), protocol headers
 *                 agreeing with it (413 / 400)                                   → ParsedMessage
 *   call          the tools/call (or resource request) parsed once              → ParsedCall
 *   authorize     one policy decision naming its rule, tool or resource          → Authorized
 *   admission     rate limits and daily quotas, one limiter check (429 / 503)    → Admission
 *                 (decided after authorize, answered before it: a refused call still spends rate
 *                 limit, never quota)
 *   refuse        the decision's HTTP answers: 403 scope step-up, 401 RFC 9470 step-up
 *   context       built once: the caller's storage gate, meter, sandbox, tools/list (call-context.ts)
 *   MCP           a fresh SDK server for this one message, against the caller's sandbox; a call the
 *                 storage gate refused only for the login (a label step-up) gets the same 401 instead
 *                 of its answer, when the message is the whole POST (not a batch member)
 */
import type { Context } from "hono";
import type { Principal } from "../auth/principal";
import { type ReadMeter, settleBytesRead } from "../limits/admission-check";
import { LimiterUnavailableError } from "../limits/limiter";
import { handleMcpPost } from "../mcp/handle-mcp-post";
import { loadToolRegistry } from "../tools/tool-registry-loader";
import { admit } from "./admission";
import type { AppEnv } from "./app-env";
import { authenticate } from "./authenticate";
import { serveBatch } from "./batch";
import { acceptMessage, type ParsedMessage, readBody } from "./body";
import { authorizeMessage, gateStepUpChallenge, openCallContext, parseCall, refuseOverHttp } from "./call-context";
import { type Edge, openEdge } from "./edge";
import { refuseBlockedIp } from "./ip-block";
import { withHeaders } from "./responses";

async function settleReadBytes(edge: Edge, meter: ReadMeter, bytes: number): Promise<void> {
  try {
    await settleBytesRead(edge.state.limits, meter, bytes);
  } catch (error) {
    if (!(error instanceof LimiterUnavailableError)) throw error;
    edge.log.security({ type: "degraded_decision", reason: "bytes_read_lost" });
  }
}

export async function handleMcpRequest(c: Context<AppEnv>): Promise<Response> {
  const edge = openEdge(c);
  await refuseBlockedIp(edge);
  const principal = await authenticate(edge);
  const body = await readBody(edge);
  // The tools (their schemas, the regex engine, diffing) load with the first request that gets this far,
  // not at module load; every later stage looks tools up in what was loaded (loadedToolRegistry).
  await loadToolRegistry();
  if (body.kind === "batch") return serveBatch(edge, principal, body.messages, serveMessage);
  return serveMessage(edge, principal, acceptMessage(edge, body.message), { wholeRequest: true });
}

/**
 * One JSON-RPC message from the body stage on: the whole path a single POST takes, and the one each
 * member of a 2025-03-26 batch takes in turn (batch.ts), so a batch meets every decision a call does.
 * `wholeRequest`: the message is the POST's only one, so its answer may become the gate's step-up
 * challenge; a batch member keeps its tool error (its batch's other answers may carry content).
 */
export async function serveMessage(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  { wholeRequest = false }: { wholeRequest?: boolean } = {},
): Promise<Response> {
  const call = parseCall(parsed);
  const authorized = authorizeMessage(edge, principal, parsed, call);
  // Decided after authorize, answered before its refusals: a refused call spends rate limit, never quota.
  const admission = await admit(edge, principal, parsed, {
    chargeQuotas: !authorized.refused,
    call: call.tool,
    readsContent: call.authorizable?.scope === "files:read",
  });
  refuseOverHttp(edge, principal, parsed, call, authorized, admission);
  const { exchange, meter, outcome } = openCallContext(edge, principal, parsed, call, authorized, admission);
  try {
    const answer = await handleMcpPost(exchange);
    const challenge = wholeRequest
      ? await gateStepUpChallenge(edge, principal, parsed, call, outcome, answer, admission)
      : undefined;
    return withHeaders(challenge ?? answer, admission.headers);
  } finally {
    // The unspent reservation and any freed bytes go back after the answer, not before it.
    edge.defer(meter.settle());
    // The bytes of content this call returned count against the principal's daily read budget.
    if (admission.readMeter) edge.defer(settleReadBytes(edge, admission.readMeter, edge.audit.bytesRead()));
  }
}
