/**
 * The single path every tool call takes: the edge's policy decision for this very call (no decision, or
 * one for another tool, is a bug and runs nothing) → the scope re-checked → the input parsed once at the
 * edge → a confirmation when a rule asks for one → run against the caller's sandbox → audit (one File
 * Hosting event per call, via `context.audit`, carrying the decision's rule) → map the result or error.
 * Because `mcp-server.ts` registers only this function as the `tools/call` handler, a new tool cannot
 * forget any step.
 *
 * Error mapping (invariant 3, docs/architecture.md):
 * - ToolError (caller's fault, incl. path refusals and invalid arguments) → result with `isError: true`
 *   and text `[code] message`, so the model can correct itself. Arguments are never echoed back.
 * - DependencyUnavailableError → JSON-RPC -32603 "temporarily unavailable"; the HTTP layer turns the
 *   response into 503 + Retry-After (invariant 5).
 * - Anything else → JSON-RPC -32603 with only the request id; the detail goes to the audit log.
 */

import { type CallToolResult, type InputRequiredResult, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { Decision as AuditDecision, FactOutcome } from "../audit/audit-facts";
import type { RequestLog } from "../audit/audit-log";
import { type ContentSummary, toCounts } from "../audit/content-facts";
import type { RequestAudit } from "../audit/request-audit";
import { activityOfTool, pathsOf } from "../audit/tool-activities";
import type { Principal } from "../auth/principal";
import { errorDetail } from "../errors/error-detail";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import type { Caller, Decision, ToolDecision } from "../policy/decide";
import { effectiveScopes } from "../policy/effective-scopes";
import type { AccessGate } from "../policy/gate";
import type { Policy } from "../policy/policy";
import { describeRefusal } from "../policy/refusal";
import type { Sandbox } from "../sandbox/sandbox";
import { PathRefusedError } from "../sandbox/sandbox-path";
import type { ToolCall } from "../tools/tool-call";
import { type ConfirmationChannel, type ConfirmationRound, confirmCall } from "./confirmation-step";

/**
 * A JSON-RPC error with exactly the message we choose. The SDK copies `code` and `message` of whatever a
 * handler throws into the error response; its own `McpError` would prefix "MCP error -32603:".
 */
export class JsonRpcError extends Error {
  override readonly name = "JsonRpcError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Set by the seam when a call failed on our side, read by the HTTP layer to pick the status code. */
export interface CallOutcome {
  failure?: "unavailable" | "internal";
}

export interface SeamContext {
  readonly principal: Principal;
  readonly sandbox: Sandbox;
  /** The caller's storage gate (the sandbox's): told when a human confirmed the call. */
  readonly gate: AccessGate;
  readonly log: RequestLog;
  readonly audit: RequestAudit;
  readonly outcome: CallOutcome;
  /** The tools/call of this request, parsed once at the edge (src/tools/tool-call.ts). */
  readonly call: ToolCall | undefined;
  /** The policy's decision on that call (src/http/authorize.ts). */
  readonly decision: ToolDecision | undefined;
  /** The policy and what it knows of the caller, for the seam's own scope check. */
  readonly policy: Policy;
  readonly caller: Caller;
  /** Whether and how this request can carry a human confirmation (`confirm` rules). */
  readonly channel: ConfirmationChannel;
  /**
   * Decided before the call from its estimated cost (a daily quota it would exceed). Answered after the
   * scope and input checks, so the caller learns about its own mistakes first; nothing runs.
   */
  readonly refusal?: ToolError | undefined;
}

function toErrorResult(error: ToolError): CallToolResult {
  return { isError: true, content: [{ type: "text", text: `[${error.code}] ${error.message}` }] };
}

/** Bytes a read tool returned to the caller: text as UTF-8, binary content as its decoded size. */
function bytesReturned(output: { content?: unknown }): number {
  let bytes = 0;
  for (const item of (output.content ?? []) as { type?: string; text?: string; data?: string }[]) {
    if (typeof item.text === "string") bytes += new TextEncoder().encode(item.text).byteLength;
    else if (typeof item.data === "string") bytes += Math.floor((item.data.length * 3) / 4);
  }
  return bytes;
}

/** A refusal the HTTP layer did not answer, as the tool error the caller (or its model) can act on. */
function refusalError(decision: Exclude<Decision, { effect: "allow" }>, tool: string): ToolError {
  const message = describeRefusal(decision, tool);
  const details = { rule: decision.rule };
  switch (decision.effect) {
    case "limit":
      return new ToolError("too_large", message, {
        ...details,
        size: decision.bytes,
        maxBytes: decision.maxWriteBytes,
      });
    case "require-certificate":
      return new ToolError("certificate_required", message, details);
    case "confirm":
      return new ToolError("confirmation_required", message, details);
    default:
      return new ToolError("policy_denied", message, details);
  }
}

/** What the call's content held, for its audit events: labels and counts, never text. */
export function contentSummaries(sandbox: Sandbox): ContentSummary[] {
  return sandbox.contentRecords.map((record) => ({
    path: record.path,
    action: record.action,
    categories: record.label.categories,
    detectors: toCounts(record.label.detectors),
    redacted: toCounts(record.redacted),
    flags: record.label.flags,
  }));
}

const FIRST_ROUND: ConfirmationRound = { state: undefined, responses: undefined };

export async function runTool(
  call: Exclude<ToolCall, { kind: "unknown" }>,
  context: SeamContext,
  round: ConfirmationRound = FIRST_ROUND,
): Promise<CallToolResult | InputRequiredResult> {
  const { tool } = call;
  const { principal, log, audit } = context;
  log.set({ tool: tool.name });
  const verdict = context.decision;
  let decision: AuditDecision = {
    allowed: verdict?.decision.effect === "allow",
    rule: verdict?.decision.rule ?? `scope:${tool.scope}`,
  };
  const paths = pathsOf(call.kind === "ready" ? call.input : call.rawArguments);
  const record = (outcome: FactOutcome, extra: { errorCode?: string; bytesRead?: number; bytesWritten?: number }) =>
    audit.file({ tool: tool.name, paths, outcome, decision, sensitivity: contentSummaries(context.sandbox), ...extra });
  try {
    // The seam's own guarantees, whatever entry point reached it: the edge's decision must exist for
    // this very tool (a refusal is answered as the tool error naming its rule), and even an "allow" is
    // re-checked for the scope with the policy's own function (token scopes ∩ roles), before the caller
    // learns anything about its input.
    if (verdict === undefined || verdict.tool !== tool.name) {
      throw new Error(`no policy decision for ${tool.name}`);
    }
    const policyDecision = verdict.decision;
    if (policyDecision.effect !== "allow" && policyDecision.effect !== "confirm") {
      throw refusalError(policyDecision, tool.name);
    }
    if (!effectiveScopes(context.policy, context.caller).has(tool.scope)) {
      decision = { allowed: false, rule: `scope:${tool.scope}` };
      log.security({ type: "scope_refused", reason: "insufficient_scope", tool: tool.name, scope: tool.scope });
      throw new ToolError("forbidden", `This tool needs the ${tool.scope} scope.`);
    }
    if (call.kind === "invalid") throw call.error;
    if (context.refusal) throw context.refusal;
    if (policyDecision.effect === "confirm") {
      const step = await confirmCall(call, policyDecision, context, round);
      if (step !== "confirmed") return step;
      context.gate.markConfirmed();
      decision = { allowed: true, rule: policyDecision.rule };
      log.set({ decision: "allow", rule: policyDecision.rule });
    }
    const output = await tool.run(call.input, {
      sandbox: context.sandbox,
      requestId: log.requestId,
      subject: principal.subject,
    });
    log.set({ outcome: "ok" });
    const bytesWritten = tool.cost?.(call.input).bytesWritten;
    record("ok", {
      ...(activityOfTool(tool.name).activity === "download" ? { bytesRead: bytesReturned(output) } : {}),
      ...(bytesWritten !== undefined ? { bytesWritten } : {}),
    });
    return output;
  } catch (error) {
    if (error instanceof ToolError) {
      if (error instanceof PathRefusedError) {
        decision = { allowed: false, rule: `path:${error.rule}` };
        log.security({ type: "path_refused", reason: error.rule, tool: tool.name });
      } else if (error === context.refusal) {
        decision = { allowed: false, rule: "quota:daily" };
      } else if (typeof error.details.rule === "string") {
        decision = { allowed: false, rule: error.details.rule };
      }
      log.set({ outcome: "tool_error", errorCode: error.code });
      record(decision.allowed ? "tool_error" : "denied", { errorCode: error.code });
      return toErrorResult(error);
    }
    if (error instanceof DependencyUnavailableError) {
      record("unavailable", { errorCode: `${error.dependency}_unavailable` });
      context.outcome.failure = "unavailable";
      log.set({ outcome: "unavailable", errorCode: `${error.dependency}_unavailable` });
      log.security({
        type: "dependency_unavailable",
        reason: error.dependency,
        tool: tool.name,
        detail: errorDetail(error.cause),
      });
      throw new JsonRpcError(ProtocolErrorCode.InternalError, "Storage is temporarily unavailable; retry later.");
    }
    context.outcome.failure = "internal";
    record("server_error", { errorCode: "internal_error" });
    log.set({ outcome: "server_error", errorCode: "internal_error" });
    log.security({
      type: "internal_error",
      reason: "unhandled_exception",
      tool: tool.name,
      detail: errorDetail(error),
    });
    throw new JsonRpcError(ProtocolErrorCode.InternalError, `Internal error (request ${log.requestId}).`);
  }
}
