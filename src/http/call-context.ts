/**
 * The stages of POST /mcp between the message and the MCP exchange, each a small function the pipeline
 * (serve-message.ts) calls in order:
 * - `parseCall`: the message's call, parsed once: a tools/call (its tool, input, declared accesses) or a
 *   resource request (resourceCallOf), as the one authorize step judges it;
 * - `authorizeMessage`: the caller as the policy knows it and one decision naming its rule;
 * - `refuseOverHttp`: the decision's HTTP answers (403 scope step-up, 401 RFC 9470 step-up);
 * - `openCallContext`: everything the exchange needs, built once: the caller's storage gate, the storage
 *   meter, the sandbox holding both, what tools/list shows.
 */
import type { Principal } from "../auth/principal";
import { createStorageMeter, type SettlingStorageMeter } from "../limits/storage-meter";
import type { McpExchange } from "../mcp/handle-mcp-post";
import { resourceCallOf } from "../mcp/resources";
import { createWorkflowRunner } from "../operations/workflow-runner";
import { type Caller, mayEverUse, type ToolDecision } from "../policy/decide";
import { createAccessGate } from "../policy/gate";
import { Sandbox } from "../sandbox/sandbox";
import { parseToolCall, type ToolCall } from "../tools/tool-call";
import { loadedToolRegistry } from "../tools/tool-registry-loader";
import type { Admission } from "./admission";
import { type AuthorizableCall, authorizableToolCall, authorizeCall, httpRefusal, toCaller } from "./authorize";
import type { ParsedMessage } from "./body";
import type { Edge } from "./edge";
import { HttpError } from "./responses";

export interface ParsedCall {
  /** The tools/call of this message (undefined for any other method). */
  readonly tool: ToolCall | undefined;
  /** What authorize judges: the tool call, or a resource request. */
  readonly authorizable: AuthorizableCall | undefined;
}

export function parseCall(parsed: ParsedMessage): ParsedCall {
  const tool = parseToolCall(parsed.message, loadedToolRegistry().findTool);
  return { tool, authorizable: tool ? authorizableToolCall(tool) : resourceCallOf(parsed.message) };
}

export interface Authorized {
  readonly caller: Caller;
  /** Seconds since the epoch: the decision's clock, and the gate's. */
  readonly now: number;
  readonly decision: ToolDecision | undefined;
  /** The call will not run (a refusal; a confirmation question without its answer). */
  readonly refused: boolean;
}

export function authorizeMessage(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  call: ParsedCall,
): Authorized {
  const caller = toCaller(principal);
  const now = Math.floor(Date.now() / 1000);
  const { policy } = edge.state.config;
  const decision = authorizeCall(call.authorizable, { policy, caller, now, confirmed: false, log: edge.log });
  // A confirm decision on a call that carries the answer will most likely run: charge it like one.
  const answering =
    decision?.decision.effect === "confirm" &&
    typeof (parsed.message.params as { requestState?: unknown } | undefined)?.requestState === "string";
  return {
    caller,
    now,
    decision,
    refused: decision !== undefined && decision.decision.effect !== "allow" && !answering,
  };
}

/** Throws the 403 / 401 answer of a refused tool call; resource requests are answered by the seam. */
export function refuseOverHttp(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  call: ParsedCall,
  authorized: Authorized,
  admission: Admission,
): void {
  if (!authorized.decision || !call.tool) return;
  const refusal = httpRefusal(authorized.decision, {
    resourceMetadataUrl: edge.state.resourceMetadataUrl,
    grantedScopes: principal.scopes,
    id: parsed.id,
    headers: admission.headers,
    log: edge.log,
  });
  if (refusal) throw new HttpError(refusal);
}

/** The exchange's context, built once, and the meter to settle after the answer. */
export function openCallContext(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  call: ParsedCall,
  authorized: Authorized,
  admission: Admission,
): { exchange: McpExchange; meter: SettlingStorageMeter } {
  const { config, limits } = edge.state;
  const { policy } = config;
  // The one gate every R2 access for this caller goes through (src/policy/gate.ts).
  const gate = createAccessGate(policy, authorized.caller, authorized.now);
  const meter = createStorageMeter(
    limits.ledger,
    admission.storageKey,
    config.limits.storageBytes,
    edge.log,
    admission.storageReserved,
  );
  const sandbox = new Sandbox(edge.env.FILES, principal.tenant, {
    gate,
    meter,
    operations: createWorkflowRunner(edge.env.TREE_OPERATIONS),
  });
  const { tools } = loadedToolRegistry();
  const listed =
    policy.toolsList === "permitted"
      ? tools.filter((tool) => mayEverUse(policy, authorized.caller, tool.scope, tool.actions))
      : tools;
  const exchange: McpExchange = {
    request: edge.request,
    message: parsed.message,
    legacy: parsed.era === "legacy",
    principal,
    sandbox,
    gate,
    log: edge.log,
    audit: edge.audit,
    listed,
    call: call.tool,
    decision: authorized.decision,
    policy,
    caller: authorized.caller,
    confirmationSecret: config.confirmationSecret,
    usedConfirmations: edge.state.usedConfirmations,
    refusal: admission.refusal,
  };
  return { exchange, meter };
}
