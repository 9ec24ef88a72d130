/**
 * The per-request MCP server factory: the one place where the server's surface (tools today; resources
 * and prompts go here too) is registered, for both protocol eras. The SDK's low-level `Server` stays
 * private to src/mcp and gets exactly two tool handlers: `tools/list` from the registry and `tools/call`
 * through the seam. We do not use `McpServer`, because it turns every thrown error into an `isError`
 * result carrying the raw message, which would blur "our outage" into "your mistake" and could echo
 * internals.
 *
 * A handler that needs the caller's input (a confirmation) returns `inputRequired(...)` from
 * `@modelcontextprotocol/server`; see docs/protocol.md, "Multi-round-trip requests".
 */
import {
  type CacheHint,
  type CallToolResult,
  type InputRequiredResult,
  isInputRequiredResult,
  ProtocolErrorCode,
  Server,
  type ServerOptions,
  type Tool,
} from "@modelcontextprotocol/server";
import * as z from "zod";
import type { ToolDefinition } from "../tools/tool-definition";
import { JsonRpcError } from "./call-failure";
import { withParamHeaders } from "./param-headers";
import { SERVED_REVISIONS } from "./protocol-revisions";
import { registerResources } from "./resources";
import { runTool, type SeamContext } from "./tool-seam";

export const SERVER_INFO = { name: "r2-files-mcp", title: "R2 Files", version: "0.1.0" } as const;

export const INSTRUCTIONS =
  "A private file system. Paths are relative to your root '/'; you cannot reach anything outside it. " +
  "Deleted files go to a trash and can be restored. Use etags (ifMatch) to avoid overwriting changes you have not seen.";

/**
 * Cache hints for the 2026-07-28 cacheable results (spec: "Caching"; 2025-era answers never carry them).
 * Always `private`: what a caller may see depends on its token (scopes, tenant), so a shared cache must
 * never answer one caller with another's result. The lists change only with a deploy, so five minutes.
 */
export const LIST_CACHE_HINT: CacheHint = { ttlMs: 300_000, cacheScope: "private" };

// Listings are pure functions of static definitions, so they are computed once per isolate.
const listingCache = new WeakMap<ToolDefinition, Tool>();

function toJsonSchema(schema: z.ZodType, io: "input" | "output"): Tool["inputSchema"] {
  const json = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return { ...json, type: "object" } as Tool["inputSchema"];
}

export function toToolListing(tool: ToolDefinition): Tool {
  let listing = listingCache.get(tool);
  if (!listing) {
    listing = {
      name: tool.name,
      title: tool.title,
      description: `${tool.description} Requires scope ${tool.scope}.`,
      // path/source/destination mirrored into Mcp-Param-* headers (SEP-2243; src/mcp/param-headers.ts).
      inputSchema: withParamHeaders(toJsonSchema(tool.input, "input")),
      ...(tool.output ? { outputSchema: toJsonSchema(tool.output, "output") as Tool["outputSchema"] } : {}),
      annotations: { title: tool.title, ...tool.annotations },
    };
    listingCache.set(tool, listing);
  }
  return listing;
}

function serverOptions(): ServerOptions {
  return {
    capabilities: { tools: { listChanged: false }, resources: { listChanged: false } },
    instructions: INSTRUCTIONS,
    // initialize negotiates among the legacy part of this list (an unknown request gets its first entry),
    // and the 2025-era transport accepts exactly these MCP-Protocol-Version headers.
    supportedProtocolVersions: [...SERVED_REVISIONS],
    // resources/list and resources/read change with every write, so they get no hint; the template is static.
    cacheHints: {
      "tools/list": LIST_CACHE_HINT,
      "server/discover": LIST_CACHE_HINT,
      "resources/templates/list": LIST_CACHE_HINT,
    },
  };
}

/**
 * tools/list in registry order (deterministic, so cached listings stay byte-identical), filtered to what
 * this caller may use under toolsList "permitted", and tools/call for the call parsed once at the edge
 * from this same message (the SDK's parse only routes it here).
 */
function registerTools(server: Server, listed: readonly ToolDefinition[], context: SeamContext): void {
  server.setRequestHandler("tools/list", () => ({ tools: listed.map(toToolListing) }));
  server.setRequestHandler("tools/call", async (request, ctx): Promise<CallToolResult | InputRequiredResult> => {
    const { call } = context;
    if (!call || call.kind === "unknown" || call.tool.name !== request.params.name) {
      context.log.set({ outcome: "client_error", errorCode: "unknown_tool" });
      throw new JsonRpcError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${request.params.name.slice(0, 64)}`);
    }
    const result = await runTool(call, context, {
      state: ctx.mcpReq.requestState(),
      responses: ctx.mcpReq.inputResponses,
    });
    if (isInputRequiredResult(result)) return result;
    // The era's wire codec owns the result's final shape (e.g. the 2025-era text fallback for
    // structured content); low-level handlers are expected to route through it.
    return server.projectCallToolResult(result, toToolListing(call.tool).outputSchema);
  });
}

/** A fresh server for one request; the context (caller, sandbox, log) never outlives it. */
export function createMcpServer(listed: readonly ToolDefinition[], context: SeamContext): Server {
  const { codec } = context.channel;
  // requestState is attacker-controlled on a retry: the SDK checks its MAC and expiry before the
  // handler runs (-32602 otherwise); the seam checks what it is bound to (src/mcp/confirmation-step.ts).
  const server = new Server(SERVER_INFO, {
    ...serverOptions(),
    ...(codec ? { requestState: { verify: codec.verify } } : {}),
  });
  registerTools(server, listed, context);
  // The caller's files as resources (src/mcp/resources.ts): same sandbox, scope, policy and error mapping.
  registerResources(server, context);
  return server;
}
