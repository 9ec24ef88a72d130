/**
 * Authorize: the scope a tools/call needs (declared by the tool) against the Principal's scopes. A
 * missing scope is HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<held +
 * needed>"` (RFC 6750 §3.1, MCP authorization "Scope challenge handling") so the client can step up
 * without losing what it holds; nothing runs.
 * The tool seam checks the scope again on its own (defence in depth).
 */
import { hasScope, type Principal, type Scope } from "../auth/principal";
import { findTool } from "../tools/registry";
import type { ParsedMessage } from "./body";
import { buildBearerChallenge, stepUpScope } from "./challenge";
import type { Edge } from "./edge";
import { HttpError, jsonRpcErrorResponse } from "./responses";

export type AuthorizationDecision =
  | { readonly kind: "allow" }
  | { readonly kind: "insufficient_scope"; readonly tool: string; readonly scope: Scope };

/** Pure: what this message needs and whether the principal has it. */
export function decideAuthorization(principal: Principal, parsed: ParsedMessage): AuthorizationDecision {
  const { message } = parsed;
  if (message.method !== "tools/call") return { kind: "allow" };
  const name = (message.params as { name?: unknown } | undefined)?.name;
  const scope = typeof name === "string" ? findTool(name)?.scope : undefined;
  if (typeof name !== "string" || scope === undefined || hasScope(principal, scope)) return { kind: "allow" };
  return { kind: "insufficient_scope", tool: name, scope };
}

/** Throws the 403 step-up answer; `headers` are the admission's RateLimit headers. */
export function enforceAuthorization(
  edge: Edge,
  principal: Principal,
  decision: AuthorizationDecision,
  parsed: ParsedMessage,
  headers: Record<string, string>,
): void {
  if (decision.kind === "allow") return;
  const { tool, scope } = decision;
  edge.log.set({ tool, outcome: "denied", errorCode: "insufficient_scope" });
  edge.log.security({ type: "scope_refused", reason: "insufficient_scope", tool, scope });
  const challenge = buildBearerChallenge({
    error: "insufficient_scope",
    scope: stepUpScope(principal.scopes, scope),
    resourceMetadataUrl: edge.state.resourceMetadataUrl,
  });
  throw new HttpError(
    jsonRpcErrorResponse(
      403,
      -32000,
      `Forbidden: ${tool} requires the ${scope} scope`,
      { "www-authenticate": challenge, ...headers },
      parsed.id,
    ),
  );
}
