/**
 * Every kind of MCP client the server promises to serve, driving the Worker through a custom fetch (no
 * network): the SDK 1.x `Client` (2025 era only), and the v2 `Client` in its default mode (2025
 * `initialize`), `auto` (probes `server/discover`, picks 2026-07-28) and pinned to 2026-07-28. Each one
 * records the HTTP exchanges it made, so tests can assert statuses and headers the SDKs hide.
 */
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { CallToolResult } from "@modelcontextprotocol/server";
import type { Env } from "../../src/env";
import { AUDIENCE } from "./tokens";
import { callWorker } from "./worker";

export type ClientMode = "sdk-1.x" | "v2-default" | "v2-auto" | "v2-pinned-2026-07-28";
export const CLIENT_MODES: readonly ClientMode[] = ["sdk-1.x", "v2-default", "v2-auto", "v2-pinned-2026-07-28"];

/** The era each mode must land on against this server. */
export const EXPECTED_ERA: Record<ClientMode, "legacy" | "modern"> = {
  "sdk-1.x": "legacy",
  "v2-default": "legacy",
  "v2-auto": "modern",
  "v2-pinned-2026-07-28": "modern",
};

export interface Exchange {
  readonly method: string | undefined;
  readonly requestHeaders: Headers;
  readonly status: number;
  readonly headers: Headers;
}

export interface ModeClient {
  readonly mode: ClientMode;
  /** What the client negotiated: 1.x always speaks the 2025 era. */
  readonly era: "legacy" | "modern" | undefined;
  /** Every HTTP exchange so far, oldest first. */
  readonly exchanges: Exchange[];
  callTool(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  listTools(): Promise<{ name: string }[]>;
  listResources(cursor?: string): Promise<{ resources: ResourceEntry[]; nextCursor?: string | undefined }>;
  listResourceTemplates(): Promise<{ uriTemplate: string }[]>;
  readResource(uri: string): Promise<{ contents: ResourceBody[] }>;
  close(): Promise<void>;
}

export interface ResourceEntry {
  readonly uri: string;
  readonly name: string;
  readonly mimeType?: string | undefined;
  readonly size?: number | undefined;
}

export interface ResourceBody {
  readonly uri: string;
  readonly mimeType?: string | undefined;
  readonly text?: string;
  readonly blob?: string;
}

function recordingFetch(env: Env, exchanges: Exchange[]) {
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(url, init);
    const text = request.method === "POST" ? await request.clone().text() : "";
    let method: string | undefined;
    try {
      method = (JSON.parse(text) as { method?: string }).method;
    } catch {
      method = undefined;
    }
    const response = await callWorker(env, request);
    exchanges.push({ method, requestHeaders: request.headers, status: response.status, headers: response.headers });
    return response;
  };
}

async function connectV1(env: Env, token: string, exchanges: Exchange[]): Promise<ModeClient> {
  const client = new ClientV1(
    { name: "test-agent-1x", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(
    new TransportV1(new URL(AUDIENCE), {
      fetch: recordingFetch(env, exchanges),
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return {
    mode: "sdk-1.x",
    era: "legacy",
    exchanges,
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    listTools: async () => (await client.listTools()).tools,
    listResources: (cursor) => client.listResources(cursor ? { cursor } : {}),
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates,
    readResource: (uri) => client.readResource({ uri }) as Promise<{ contents: ResourceBody[] }>,
    close: () => client.close(),
  };
}

async function connectV2(
  mode: Exclude<ClientMode, "sdk-1.x">,
  env: Env,
  token: string,
  exchanges: Exchange[],
): Promise<ModeClient> {
  const negotiation =
    mode === "v2-auto"
      ? { versionNegotiation: { mode: "auto" as const } }
      : mode === "v2-pinned-2026-07-28"
        ? { versionNegotiation: { mode: { pin: "2026-07-28" } } }
        : {};
  const client = new ClientV2({ name: `test-agent-${mode}`, version: "2.0.0" }, negotiation);
  await client.connect(
    new TransportV2(new URL(AUDIENCE), {
      fetch: recordingFetch(env, exchanges),
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return {
    mode,
    era: client.getProtocolEra(),
    exchanges,
    callTool: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    listTools: async () => (await client.listTools()).tools,
    listResources: (cursor) => client.listResources(cursor ? { cursor } : {}),
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates,
    readResource: (uri) => client.readResource({ uri }) as Promise<{ contents: ResourceBody[] }>,
    close: () => client.close(),
  };
}

export function connectMode(mode: ClientMode, env: Env, token: string): Promise<ModeClient> {
  const exchanges: Exchange[] = [];
  return mode === "sdk-1.x" ? connectV1(env, token, exchanges) : connectV2(mode, env, token, exchanges);
}
