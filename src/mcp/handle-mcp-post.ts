/**
 * One stateless MCP exchange: a fresh server and transport per request (sharing a stateless transport
 * leaked responses across clients before SDK 1.26, CVE-2026-25536), JSON responses instead of SSE
 * (nothing here streams), and the seam's failure record turned into the HTTP status the design asks for:
 * 503 + Retry-After for an outage, 500 for a bug.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { RequestLog } from "../audit/audit-log";
import type { Principal } from "../auth/principal";
import type { ToolError } from "../errors/tool-error";
import type { ToolDecision } from "../http/authorize";
import type { JsonRpcMessage } from "../http/body";
import { RETRY_AFTER_SECONDS } from "../http/responses";
import type { Sandbox } from "../sandbox/sandbox";
import type { ToolDefinition } from "../tools/tool-definition";
import { createMcpServer } from "./mcp-server";
import type { ToolCall } from "./tool-call";
import type { CallOutcome } from "./tool-seam";

export interface McpExchange {
  readonly request: Request;
  readonly message: JsonRpcMessage;
  readonly principal: Principal;
  readonly sandbox: Sandbox;
  readonly log: RequestLog;
  /** What tools/list shows this caller. */
  readonly listed: readonly ToolDefinition[];
  /** The tools/call of this message, parsed once, and the policy's decision on it. */
  readonly call: ToolCall | undefined;
  readonly decision: ToolDecision | undefined;
  /** A daily-quota refusal decided at the edge (src/limits/request-limits.ts). */
  readonly refusal?: ToolError | undefined;
}

function withStatus(response: Response, status: number, extraHeaders: Record<string, string> = {}): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  return new Response(response.body, { status, headers });
}

export async function handleMcpPost(exchange: McpExchange): Promise<Response> {
  const outcome: CallOutcome = {};
  const server = createMcpServer(exchange.listed, {
    principal: exchange.principal,
    sandbox: exchange.sandbox,
    log: exchange.log,
    outcome,
    refusal: exchange.refusal,
    call: exchange.call,
    decision: exchange.decision,
  });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  let response: Response;
  try {
    response = await transport.handleRequest(exchange.request, { parsedBody: exchange.message });
  } finally {
    await server.close();
  }
  if (outcome.failure === "unavailable")
    return withStatus(response, 503, { "retry-after": String(RETRY_AFTER_SECONDS) });
  if (outcome.failure === "internal") return withStatus(response, 500);
  return response;
}
