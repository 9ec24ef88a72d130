/**
 * The real MCP SDK client, talking streamable HTTP to the Worker through a custom fetch (no network).
 * It validates tool results against their output schemas with the Cloudflare validator, as a client
 * running on Workers would.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { Env } from "../../src/env";
import { AUDIENCE } from "./tokens";
import { callWorker } from "./worker";

export async function connectClient(env: Env, token: string): Promise<Client> {
  const client = new Client(
    { name: "test-agent", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const transport = new StreamableHTTPClientTransport(new URL(AUDIENCE), {
    fetch: (url, init) => callWorker(env, new Request(url, init)),
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** What both SDK lines' tool results have in common, for the helpers below. */
type ToolResultLike = { content: ReadonlyArray<{ type: string; text?: string }>; isError?: boolean | undefined };

export function textOf(result: ToolResultLike): string {
  return result.content.map((block) => (block.type === "text" ? (block.text ?? "") : `[${block.type}]`)).join("\n");
}

/** The stable code of a tool error result (`[code] message`). */
export function errorCodeOf(result: ToolResultLike): string | undefined {
  if (!result.isError) return undefined;
  return /^\[([a-z_]+)\]/.exec(textOf(result))?.[1];
}
