/**
 * The stages of POST /mcp between the message and the MCP exchange, each a small function the pipeline
 * (serve-message.ts) calls in order:
 * - `parseCall`: the message's call, parsed once: a tools/call (its tool, input, declared accesses) or a
 *   resource request (resourceCallOf), as the one authorize step judges it;
 * - `authorizeMessage`: the caller as the policy knows it and one decision naming its rule;
 * - `refuseOverHttp`: the decision's HTTP answers (403 scope step-up, 401 RFC 9470 step-up);
 * - `gateStepUpChallenge`: the same 401 for a step-up the storage gate found mid-call (a label rule);
 * - `openCallContext`: everything the exchange needs, built once: the caller's storage gate, the storage
 *   meter, the sandbox holding both, what tools/list shows.
 */
import type { Principal } from "../auth/principal";
import { createStorageMeter, type SettlingStorageMeter } from "../limits/storage-meter";
import type { CallOutcome } from "../mcp/call-failure";
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

/**
 * A step-up rule the storage gate applied where the call touched an object or its content (a rule on
 * `labels` can only be judged there, once the content is classified), answered like the up-front one:
 * 401 `insufficient_user_authentication` with the rule's `max_age` / `acr_values`, so the client signs
 * the user in again and retries, instead of a tool error its model can only relay. Only when the seam
 * recorded that the whole call failed on it (call-failure.ts: the answer is that refusal and nothing
 * else) and the answer is one complete JSON body; an answer already streaming keeps the tool error.
 * The challenge names the tool and the rule, never a path or what the content holds. The call's audit
 * event was written by the seam (denied, with the rule); the log line now shows the challenge.
 */
export async function gateStepUpChallenge(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  call: ParsedCall,
  outcome: CallOutcome,
  answer: Response,
  admission: Admission,
): Promise<Response | undefined> {
  const requirement = outcome.stepUp;
  if (requirement === undefined || answer.status !== 200) return undefined;
  if (!answer.headers.get("content-type")?.startsWith("application/json")) return undefined;
  await answer.body?.cancel();
  edge.log.set({ decision: requirement.effect, rule: requirement.rule });
  return httpRefusal(
    { tool: call.authorizable?.name ?? "This call", decision: requirement },
    {
      resourceMetadataUrl: edge.state.resourceMetadataUrl,
      grantedScopes: principal.scopes,
      id: parsed.id,
      headers: admission.headers,
      log: edge.log,
    },
  );
}

/** The exchange's context, built once, and the meter to settle after the answer. */
export function openCallContext(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  call: ParsedCall,
  authorized: Authorized,
  admission: Admission,
): { exchange: McpExchange; meter: SettlingStorageMeter; outcome: CallOutcome } {
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
  const outcome: CallOutcome = {};
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
    outcome,
  };
  return { exchange, meter, outcome };
}
