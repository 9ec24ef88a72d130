/**
 * Builds the per-request MCP server. The SDK's low-level `Server` stays private to this module and gets
 * exactly two tool handlers: `tools/list` from the registry and `tools/call` through the seam. We do
 * not use `McpServer`, because it turns every thrown error into an `isError` result carrying the raw
 * message, which would blur "our outage" into "your mistake" and could echo internals.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { z } from "zod";
import type { ToolDefinition } from "../tools/tool-definition";
import { JsonRpcError, runTool, type SeamContext } from "./tool-seam";

export const SERVER_INFO = { name: "r2-files-mcp", title: "R2 Files", version: "0.1.0" } as const;

const INSTRUCTIONS =
  "A private file system. Paths are relative to your root '/'; you cannot reach anything outside it. " +
  "Deleted files go to a trash and can be restored. Use etags (ifMatch) to avoid overwriting changes you have not seen.";

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
      inputSchema: toJsonSchema(tool.input, "input"),
      ...(tool.output ? { outputSchema: toJsonSchema(tool.output, "output") as Tool["outputSchema"] } : {}),
      annotations: { title: tool.title, ...tool.annotations },
    };
    listingCache.set(tool, listing);
  }
  return listing;
}

/** `listed`: what tools/list shows this caller (all tools, or those it may use: toolsList "permitted"). */
export function createMcpServer(listed: readonly ToolDefinition[], context: SeamContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: INSTRUCTIONS,
    // ajv compiles validators with `new Function`, which Workers forbid.
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
  });
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed.map(toToolListing) }));
  // The call was parsed once at the edge from this same message; the SDK's parse only routes it here.
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const { call } = context;
    if (!call || call.kind === "unknown" || call.tool.name !== request.params.name) {
      context.log.set({ outcome: "client_error", errorCode: "unknown_tool" });
      throw new JsonRpcError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name.slice(0, 64)}`);
    }
    return runTool(call, context);
  });
  return server;
}
