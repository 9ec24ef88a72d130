/**
 * The single path every tool call takes: authorize → parse input (zod) → run against the caller's
 * sandbox → audit (one File Hosting event per call, via `context.audit`) → map the result or error. Because `mcp-server.ts` registers only this function as the
 * `tools/call` handler, a new tool cannot forget any step.
 *
 * Error mapping (invariant 3, docs/architecture.md):
 * - ToolError (caller's fault, incl. path refusals and invalid arguments) → result with `isError: true`
 *   and text `[code] message`, so the model can correct itself. Arguments are never echoed back.
 * - DependencyUnavailableError → JSON-RPC -32603 "temporarily unavailable"; the HTTP layer turns the
 *   response into 503 + Retry-After (invariant 5).
 * - Anything else → JSON-RPC -32603 with only the request id; the detail goes to the audit log.
 */
import { type CallToolResult, ProtocolErrorCode } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { Decision, FactOutcome } from "../audit/audit-facts";
import type { RequestLog } from "../audit/audit-log";
import type { RequestAudit } from "../audit/request-audit";
import { activityOfTool, pathsOf } from "../audit/tool-activities";
import { hasScope, type Principal } from "../auth/principal";
import { errorDetail } from "../errors/error-detail";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import type { Sandbox } from "../sandbox/sandbox";
import { PathRefusedError } from "../sandbox/sandbox-path";
import type { ToolDefinition } from "../tools/tool-definition";

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
  readonly log: RequestLog;
  readonly audit: RequestAudit;
  readonly outcome: CallOutcome;
  /**
   * Decided before the call from its estimated cost (a daily quota it would exceed). Answered after the
   * scope and input checks, so the caller learns about its own mistakes first; nothing runs.
   */
  readonly refusal?: ToolError | undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "arguments"}: ${issue.message}`)
    .join("; ");
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

export async function runTool(
  tool: ToolDefinition,
  rawArguments: unknown,
  context: SeamContext,
): Promise<CallToolResult> {
  const { principal, log, audit } = context;
  log.set({ tool: tool.name });
  let decision: Decision = { allowed: true, rule: `scope:${tool.scope}` };
  let paths = pathsOf(rawArguments);
  const record = (outcome: FactOutcome, extra: { errorCode?: string; bytesRead?: number; bytesWritten?: number }) =>
    audit.file({ tool: tool.name, paths, outcome, decision, ...extra });
  try {
    // The HTTP layer already answered 403 for a missing scope; this is the seam's own guarantee.
    if (!hasScope(principal, tool.scope)) {
      decision = { allowed: false, rule: `scope:${tool.scope}` };
      log.security({ type: "scope_refused", reason: "insufficient_scope", tool: tool.name, scope: tool.scope });
      throw new ToolError("forbidden", `This tool needs the ${tool.scope} scope.`);
    }
    const parsed = tool.input.safeParse(rawArguments ?? {});
    if (!parsed.success) throw new ToolError("invalid_arguments", `Invalid arguments: ${describeIssues(parsed.error)}`);
    paths = pathsOf(parsed.data);
    if (context.refusal) throw context.refusal;
    const output = await tool.run(parsed.data, {
      sandbox: context.sandbox,
      requestId: log.requestId,
      subject: principal.subject,
    });
    log.set({ outcome: "ok" });
    const bytesWritten = tool.cost?.(parsed.data).bytesWritten;
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
