/**
 * The authorize stage: the call parsed once → one policy decision (src/policy/decide.ts), logged with
 * the rule that made it, and the refusals that belong to HTTP:
 * - insufficient scope → 403 `insufficient_scope` naming the scope (RFC 6750 §3.1), so clients step up;
 * - authentication too old or too weak → 401 `insufficient_user_authentication` with `max_age` and/or
 *   `acr_values` (RFC 9470 §3), so clients sign the user in again.
 * Other refusals (deny, limit, certificate, confirmation) are answered by the tool seam as tool errors
 * or input requests. Either way nothing runs and no R2 access happens.
 */
import type { RequestLog } from "../audit/audit-log";
import type { Principal } from "../auth/principal";
import type { Access } from "../policy/access";
import { type Caller, decide, type ToolDecision } from "../policy/decide";
import type { Policy } from "../policy/policy";
import { describeRefusal } from "../policy/refusal";
import type { Scope } from "../policy/scopes";
import type { ToolCall } from "../tools/tool-call";
import { buildBearerChallenge, stepUpScope } from "./challenge";
import { jsonRpcErrorResponse } from "./responses";

/**
 * What the policy may know of the caller. The certificate is the one authentication accepted
 * (`Principal.acceptedCertificate`), never a second reading of `request.cf`.
 */
export function toCaller(principal: Principal): Caller {
  return {
    scopes: principal.scopes,
    roles: principal.roles,
    authTime: principal.authTime,
    acr: principal.acr,
    certificateVerified: principal.acceptedCertificate !== undefined,
  };
}

export interface AuthorizeOptions {
  readonly policy: Policy;
  readonly caller: Caller;
  /** Seconds since the epoch. */
  readonly now: number;
  /** A valid confirmation bound to exactly this call accompanies it. */
  readonly confirmed: boolean;
  readonly log: RequestLog;
}

/**
 * What the one authorize step judges: a tool call or a resource request (src/mcp/resources.ts,
 * `resourceCallOf`), by name, the scope it needs and what it declares it will touch.
 */
export interface AuthorizableCall {
  readonly name: string;
  readonly scope: Scope;
  readonly accesses: readonly Access[];
}

/**
 * A tools/call as the authorize step sees it (undefined for unknown tools, which the seam refuses). A
 * call with invalid arguments touches nothing, so only its scope is judged; the seam then reports the
 * arguments.
 */
export function authorizableToolCall(call: ToolCall | undefined): AuthorizableCall | undefined {
  if (call === undefined || call.kind === "unknown") return undefined;
  return { name: call.tool.name, scope: call.tool.scope, accesses: call.kind === "ready" ? call.accesses : [] };
}

/**
 * The one place a call, tool or resource, is authorised: one decision naming its rule, logged. The seam
 * refuses to run a call without this decision for that very call (tool-seam.ts, resources.ts).
 */
export function authorizeCall(call: AuthorizableCall | undefined, options: AuthorizeOptions): ToolDecision | undefined {
  if (call === undefined) return undefined;
  const decision = decide(options.policy, {
    caller: options.caller,
    scope: call.scope,
    accesses: call.accesses,
    now: options.now,
    confirmed: options.confirmed,
  });
  const { log } = options;
  log.set({ tool: call.name, decision: decision.effect, rule: decision.rule });
  if (decision.effect === "insufficient-scope") {
    log.security({
      type: "scope_refused",
      reason: "insufficient_scope",
      rule: decision.rule,
      tool: call.name,
      scope: decision.scope,
    });
  } else if (decision.effect !== "allow" && decision.effect !== "confirm") {
    // A confirmation is a question, not a refusal: the seam asks it (or refuses a client that cannot be asked).
    log.security({ type: "policy_refused", reason: decision.effect, rule: decision.rule, tool: call.name });
  }
  return { tool: call.name, decision };
}

/** The 403 / 401 answers of a refused call, or undefined when the seam answers it. */
export function httpRefusal(
  { tool, decision }: ToolDecision,
  context: {
    resourceMetadataUrl: string;
    /** The token's scopes: the 403 challenge asks for them plus the missing one (stepUpScope). */
    grantedScopes: ReadonlySet<string>;
    id: string | number | null;
    headers: Record<string, string>;
    log: RequestLog;
  },
): Response | undefined {
  if (decision.effect === "insufficient-scope") {
    context.log.set({ outcome: "denied", errorCode: "insufficient_scope" });
    const challenge = buildBearerChallenge({
      error: "insufficient_scope",
      scope: stepUpScope(context.grantedScopes, decision.scope),
      resourceMetadataUrl: context.resourceMetadataUrl,
    });
    return jsonRpcErrorResponse(
      403,
      -32000,
      `Forbidden: ${tool} requires the ${decision.scope} scope`,
      { "www-authenticate": challenge, ...context.headers },
      context.id,
    );
  }
  if (decision.effect === "step-up") {
    context.log.set({ outcome: "denied", errorCode: "insufficient_user_authentication" });
    const description = describeRefusal(decision, tool);
    const challenge = buildBearerChallenge({
      error: "insufficient_user_authentication",
      errorDescription: description,
      ...(decision.maxAgeSeconds !== undefined ? { maxAge: decision.maxAgeSeconds } : {}),
      ...(decision.acrValues !== undefined ? { acrValues: decision.acrValues } : {}),
      resourceMetadataUrl: context.resourceMetadataUrl,
    });
    return jsonRpcErrorResponse(
      401,
      -32000,
      `Unauthorized: ${description}`,
      { "www-authenticate": challenge, ...context.headers },
      context.id,
    );
  }
  return undefined;
}
