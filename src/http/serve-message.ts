/**
 * The message stage of POST /mcp: everything after the body is read (mcp-pipeline.ts loads this module
 * then, with the tool registry, so a request refused before it never evaluates the MCP SDK, the
 * policy decision or the sandbox).
 *
 *   accept        the message recorded, its protocol headers agreeing with it (accept-message.ts)
 *   call          the tools/call (or resource request) parsed once                → ParsedCall
 *   authorize     one policy decision naming its rule, tool or resource            → Authorized
 *   admission     rate limits and daily quotas, one limiter check (429 / 503)      → Admission
 *                 (decided after authorize, answered before it: a refused call still spends rate
 *                 limit, never quota)
 *   refuse        the decision's HTTP answers: 403 scope step-up, 401 RFC 9470 step-up
 *   context       built once: the caller's storage gate, meter, sandbox, tools/list (call-context.ts)
 *   MCP           a fresh SDK server for this one message, against the caller's sandbox; a call the
 *                 storage gate refused only for the login (a label step-up) gets the same 401 instead
 *                 of its answer, when the message is the whole POST (not a batch member)
 */
import type { Principal } from "../auth/principal";
import { type ReadMeter, settleBytesRead } from "../limits/admission-check";
import { LimiterUnavailableError } from "../limits/limiter";
import { handleMcpPost } from "../mcp/handle-mcp-post";
import { acceptMessage } from "./accept-message";
import { admit } from "./admission";
import { serveBatch } from "./batch";
import type { ParsedBody, ParsedMessage } from "./body";
import { authorizeMessage, gateStepUpChallenge, openCallContext, parseCall, refuseOverHttp } from "./call-context";
import type { Edge } from "./edge";
import { withHeaders } from "./responses";

async function settleReadBytes(edge: Edge, meter: ReadMeter, bytes: number): Promise<void> {
  try {
    await settleBytesRead(edge.state.limits, meter, bytes);
  } catch (error) {
    if (!(error instanceof LimiterUnavailableError)) throw error;
    edge.log.security({ type: "degraded_decision", reason: "bytes_read_lost" });
  }
}

/** The body of an authenticated POST: one message, or a 2025-03-26 batch served member by member. */
export function serveBody(edge: Edge, principal: Principal, body: ParsedBody): Promise<Response> {
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
