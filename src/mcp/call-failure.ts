/**
 * The one failure mapper of a call, tool or resource (invariant 3, docs/architecture.md): whatever a
 * call throws is sorted into the caller's fault, our outage or a bug, logged and audited once, here.
 * - `ToolError` (caller's fault, incl. path refusals, the policy gate's refusals and invalid arguments):
 *   the audit decision becomes the refusal's rule when it names one (`path:<rule>` for a refused path,
 *   the gate's or the policy's rule from `details.rule`, `quota:daily` for the edge's quota refusal);
 *   returned, so the caller of this function answers it in its protocol shape (a tool's `isError`
 *   result, a resource request's JSON-RPC error). Never echoes arguments. A `StepUpRequiredError` also
 *   leaves its requirement on the call's outcome, for the HTTP layer's 401 challenge.
 * - `DependencyUnavailableError` → JSON-RPC -32603 "temporarily unavailable" and `outcome.failure`
 *   "unavailable", which the HTTP layer turns into 503 + Retry-After (invariant 5).
 * - Anything else → JSON-RPC -32603 with only the request id; the detail goes to the audit log.
 */
import { ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { Decision as AuditDecision, FactOutcome } from "../audit/audit-facts";
import type { RequestLog } from "../audit/audit-log";
import { errorDetail } from "../errors/error-detail";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import { StepUpRequiredError, type StepUpRequirement } from "../policy/step-up-required";
import { PathRefusedError } from "../sandbox/sandbox-path";

/**
 * A JSON-RPC error with exactly the message we choose. The SDK copies `code` and `message` of whatever a
 * handler throws into the error response; its own `McpError` would prefix "MCP error -32603:".
 */
export class JsonRpcError extends Error {
  override readonly name = "JsonRpcError";
  constructor(
    readonly code: number,
    message: string,
    /** Sent as the error's `data` (the SDK copies it when present). */
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Set by the seam when a call failed, read by the HTTP layer to pick the status code. */
export interface CallOutcome {
  failure?: "unavailable" | "internal";
  /**
   * The whole call was refused, before it returned anything, only because the login is too old or too
   * weak for a step-up rule (the storage gate's, on a path or a label): the HTTP layer answers a single
   * POST with the RFC 9470 challenge instead of the tool error (src/http/call-context.ts).
   */
  stepUp?: StepUpRequirement;
}

export interface FailingCall {
  /** The tool name, or the resource method (`resources/read`). */
  readonly name: string;
  readonly log: RequestLog;
  readonly outcome: CallOutcome;
  /** The decision so far (what the audit event names when the failure names no rule). */
  readonly decision: AuditDecision;
  /** How a caller's fault is logged: `tool_error` for tools, `client_error` for resources. */
  readonly callerFault: Extract<FactOutcome, "tool_error" | "client_error">;
  /** The edge's daily-quota refusal, when that is what was thrown. */
  readonly quotaRefusal?: ToolError | undefined;
  /** Writes the call's one audit event. */
  record(outcome: FactOutcome, decision: AuditDecision, extra: { errorCode?: string }): void;
}

/** The caller's fault, logged and audited: answer it. Our failures are thrown as JSON-RPC errors. */
export function mapCallFailure(error: unknown, call: FailingCall): ToolError {
  const { log, name } = call;
  if (error instanceof ToolError) {
    let decision = call.decision;
    if (error instanceof PathRefusedError) {
      decision = { allowed: false, rule: `path:${error.rule}` };
      log.security({ type: "path_refused", reason: error.rule, tool: name });
    } else if (error === call.quotaRefusal) {
      decision = { allowed: false, rule: "quota:daily" };
    } else if (typeof error.details.rule === "string") {
      decision = { allowed: false, rule: error.details.rule };
    }
    if (error instanceof StepUpRequiredError) call.outcome.stepUp = error.requirement;
    log.set({ outcome: call.callerFault, errorCode: error.code });
    call.record(decision.allowed ? call.callerFault : "denied", decision, { errorCode: error.code });
    return error;
  }
  if (error instanceof DependencyUnavailableError) {
    call.record("unavailable", call.decision, { errorCode: `${error.dependency}_unavailable` });
    call.outcome.failure = "unavailable";
    log.set({ outcome: "unavailable", errorCode: `${error.dependency}_unavailable` });
    log.security({
      type: "dependency_unavailable",
      reason: error.dependency,
      tool: name,
      detail: errorDetail(error.cause),
    });
    throw new JsonRpcError(ProtocolErrorCode.InternalError, "Storage is temporarily unavailable; retry later.");
  }
  call.outcome.failure = "internal";
  call.record("server_error", call.decision, { errorCode: "internal_error" });
  log.set({ outcome: "server_error", errorCode: "internal_error" });
  log.security({ type: "internal_error", reason: "unhandled_exception", tool: name, detail: errorDetail(error) });
  throw new JsonRpcError(ProtocolErrorCode.InternalError, `Internal error (request ${log.requestId}).`);
}
