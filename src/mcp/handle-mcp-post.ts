/**
 * One MCP exchange, in either protocol era, with a fresh server per request (the SDK's documented
 * dual-era composition: `isLegacyRequest` in front of a strict `createMcpHandler`; the era comes from the
 * protocol-header stage, which runs the same classification):
 * - 2026-07-28 (a `_meta` envelope on the request): `createMcpHandler(factory, { legacy: "reject" })`,
 *   which answers `server/discover`, checks the standard headers and stamps `resultType`, server info
 *   and cache hints.
 * - 2025 (no envelope): the stateless streamable-HTTP transport in JSON mode, as before the v2 SDK.
 *   The SDK's built-in stateless fallback would answer over SSE, which commits HTTP 200 before the tool
 *   has run; JSON lets the seam's failure record pick the status.
 * The seam's failure record becomes the HTTP status the design asks for: 503 + Retry-After for an
 * outage, 500 for a bug. Both eras share the factory, so they cannot drift apart.
 */
import { createMcpHandler, type Server, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import type { RequestLog } from "../audit/audit-log";
import type { RequestAudit } from "../audit/request-audit";
import type { Principal } from "../auth/principal";
import { RETRY_AFTER_SECONDS } from "../errors/retry-after";
import type { ToolError } from "../errors/tool-error";
import { confirmationCodec, type UsedConfirmations } from "../policy/confirmation";
import type { Caller, ToolDecision } from "../policy/decide";
import type { AccessGate } from "../policy/gate";
import type { Policy } from "../policy/policy";
import type { Sandbox } from "../sandbox/sandbox";
import type { ToolCall } from "../tools/tool-call";
import type { ToolDefinition } from "../tools/tool-definition";
import type { CallOutcome } from "./call-failure";
import { type ConfirmationChannel, declaresFormElicitation } from "./confirmation-step";
import type { JsonRpcMessage } from "./json-rpc-message";
import { createMcpServer } from "./mcp-server";
import { SERVED_REVISIONS } from "./protocol-revisions";

export interface McpExchange {
  /** The POST whose body was already read; `message` is that body, parsed. */
  readonly request: Request;
  readonly message: JsonRpcMessage;
  /**
   * A 2025-era message (no `_meta` envelope claim), as the protocol-header stage classified it with the
   * SDK's own classifier (`classifyInboundRequest` on the same three headers and the parsed body), which
   * is exactly what `isLegacyRequest` runs: classified once, not again here.
   */
  readonly legacy: boolean;
  readonly principal: Principal;
  readonly sandbox: Sandbox;
  /** The gate `sandbox` was built with (src/policy/gate.ts). */
  readonly gate: AccessGate;
  readonly log: RequestLog;
  readonly audit: RequestAudit;
  /** What tools/list shows this caller (toolsList "permitted" filters it). */
  readonly listed: readonly ToolDefinition[];
  /** The tools/call of this message, parsed once at the edge, and the policy's decision on it. */
  readonly call: ToolCall | undefined;
  readonly decision: ToolDecision | undefined;
  readonly policy: Policy;
  readonly caller: Caller;
  /** CONFIRMATION_SECRET, when the policy has confirm rules. */
  readonly confirmationSecret: string | undefined;
  /** Where accepted confirmations are spent (single-use). */
  readonly usedConfirmations: UsedConfirmations;
  /** A daily-quota refusal decided at the edge (src/http/admission.ts). */
  readonly refusal?: ToolError | undefined;
  /** Where the seam records how the call failed, for the HTTP layer (made here when not given). */
  readonly outcome?: CallOutcome | undefined;
}

function withStatus(response: Response, status: number, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  return new Response(response.body, { status, headers });
}

async function serveLegacy(server: Server, request: Request, message: JsonRpcMessage): Promise<Response> {
  // Per request, never shared: a shared stateless transport leaked responses across clients before
  // SDK 1.26 (CVE-2026-25536).
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  let answered = false;
  try {
    const response = await transport.handleRequest(request, { parsedBody: message });
    answered = true;
    return response;
  } finally {
    // Answered: the JSON answer is complete, no request handler is still running and nothing streams,
    // so the per-request server and transport are simply dropped: no timer, listener or registry holds
    // them (the SDK's own per-request serving leaves a finished notification exchange connected and
    // calls dropping its instance the caller's choice). Closing cost about 3% of a read's CPU: an
    // SdkError with its stack, aborting the finished handlers' controllers. A transport that threw is
    // closed, so anything it left running is aborted.
    if (!answered) await server.close().catch(() => undefined);
  }
}

/**
 * server/discover lists every revision served (src/mcp/protocol-revisions.ts), the same list -32022's
 * `data.supported` carries. The SDK's own answer lists only the modern ones and cannot be configured
 * otherwise (its discover handler is re-installed after the factory runs), so the list is set here, on
 * a small JSON answer; everything else the SDK stamped (resultType, cache hints, server info) stays.
 */
async function withServedRevisions(response: Response): Promise<Response> {
  if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("application/json")) return response;
  const body = (await response.json()) as { result?: { supportedVersions?: unknown } };
  if (body.result && Array.isArray(body.result.supportedVersions))
    body.result.supportedVersions = [...SERVED_REVISIONS];
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

async function serveModern(factory: () => Server, request: Request, message: JsonRpcMessage): Promise<Response> {
  // Created per request like the server: it holds no state worth sharing (nothing here publishes
  // list changes), and a per-request handler cannot mix up two callers' exchanges. Not closed here: the
  // exchange closes its own server when the answer is complete, and closing the handler would cut off
  // an answer that was upgraded to a stream (a handler sending progress before its result).
  const handler = createMcpHandler(factory, { legacy: "reject" });
  const response = await handler.fetch(request, { parsedBody: message });
  return message.method === "server/discover" ? withServedRevisions(response) : response;
}

export async function handleMcpPost(exchange: McpExchange): Promise<Response> {
  const outcome: CallOutcome = exchange.outcome ?? {};
  const { legacy } = exchange;
  const params = exchange.message.params as { _meta?: unknown } | undefined;
  const channel: ConfirmationChannel = {
    // Only a 2026-07-28 request can carry input_required, and only to a client that declared forms.
    canAsk: !legacy && declaresFormElicitation(params?._meta),
    codec: exchange.confirmationSecret === undefined ? undefined : confirmationCodec(exchange.confirmationSecret),
    used: exchange.usedConfirmations,
  };
  const factory = () =>
    createMcpServer(exchange.listed, {
      principal: exchange.principal,
      sandbox: exchange.sandbox,
      gate: exchange.gate,
      log: exchange.log,
      audit: exchange.audit,
      outcome,
      refusal: exchange.refusal,
      call: exchange.call,
      decision: exchange.decision,
      policy: exchange.policy,
      caller: exchange.caller,
      channel,
    });
  const response = legacy
    ? await serveLegacy(factory(), exchange.request, exchange.message)
    : await serveModern(factory, exchange.request, exchange.message);
  if (outcome.failure === "unavailable")
    return withStatus(response, 503, { "retry-after": String(RETRY_AFTER_SECONDS) });
  if (outcome.failure === "internal") return withStatus(response, 500);
  return response;
}
