/**
 * The single path every tool call takes: the edge's policy decision for this very call (no decision, or
 * one for another tool, is a bug and runs nothing) → the scope re-checked → the input parsed once at the
 * edge → a confirmation when a rule asks for one → run against the caller's sandbox → audit (one File
 * Hosting event per call, via `context.audit`, carrying the decision's rule) → map the result or error.
 * Because `mcp-server.ts` registers only this function as the `tools/call` handler, a new tool cannot
 * forget any step.
 *
 * Failures go through the one mapper tools and resources share (call-failure.ts): a caller's fault is
 * answered as a result with `isError: true` and text `[code] message`, so the model can correct itself.
 */
import type { CallToolResult, InputRequiredResult } from "@modelcontextprotocol/server";
import type { Decision as AuditDecision, FactOutcome } from "../audit/audit-facts";
import type { RequestLog } from "../audit/audit-log";
import { type ContentSummary, toCounts } from "../audit/content-facts";
import type { RequestAudit } from "../audit/request-audit";
import { activityOfTool, pathsOf } from "../audit/tool-activities";
import type { Principal } from "../auth/principal";
import { ToolError } from "../errors/tool-error";
import type { Caller, Decision, ToolDecision } from "../policy/decide";
import { effectiveScopes } from "../policy/effective-scopes";
import type { AccessGate } from "../policy/gate";
import type { Policy } from "../policy/policy";
import { describeRefusal } from "../policy/refusal";
import type { Sandbox } from "../sandbox/sandbox";
import type { ToolCall } from "../tools/tool-call";
import { type CallOutcome, mapCallFailure } from "./call-failure";
import { type ConfirmationChannel, type ConfirmationRound, confirmCall } from "./confirmation-step";

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

/**
 * Where a tool result names its audit event (the File Hosting event's `metadata.uid`), so a user can find
 * the call in the trail: `npm run audit -- query --event <id>`. Our own `_meta` prefix (MCP reserves
 * `io.modelcontextprotocol/`).
 */
export const AUDIT_EVENT_META_KEY = "r2-files-mcp/auditEventId";

function withAuditEvent<T extends CallToolResult>(result: T, eventId: string): T {
  return { ...result, _meta: { ...result._meta, [AUDIT_EVENT_META_KEY]: eventId } };
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
    const eventId = record("ok", {
      ...(activityOfTool(tool.name).activity === "download" ? { bytesRead: bytesReturned(output) } : {}),
      ...(bytesWritten !== undefined ? { bytesWritten } : {}),
    });
    return withAuditEvent(output, eventId);
  } catch (error) {
    let eventId = "";
    const fault = mapCallFailure(error, {
      name: tool.name,
      log,
      outcome: context.outcome,
      decision,
      callerFault: "tool_error",
      quotaRefusal: context.refusal,
      record: (outcome, made, extra) => {
        eventId = audit.file({ tool: tool.name, paths, outcome, decision: made, ...extra });
      },
    });
    return withAuditEvent(toErrorResult(fault), eventId);
  }
}
