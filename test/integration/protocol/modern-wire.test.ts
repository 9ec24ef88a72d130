/**
 * The 2026-07-28 wire rules over raw HTTP, one test per rule: server/discover, resultType, server info
 * in _meta, private cache hints, deterministic tools/list, -32022 for unknown revisions, and SEP-2243
 * header/body agreement (-32020) checked before scope, limits or tools see the body.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { INSTRUCTIONS, LIST_CACHE_HINT, SERVER_INFO } from "../../../src/mcp/mcp-server";
import { MIRRORED_ARGUMENTS } from "../../../src/mcp/param-headers";
import { LEGACY_REVISIONS, SERVED_REVISIONS } from "../../../src/mcp/protocol-revisions";
import { AUDIT_EVENT_META_KEY } from "../../../src/mcp/tool-seam";
import { TOOLS } from "../../../src/tools/registry";
import { createTestKey, type TestKey } from "../../support/keys";
import { mintToken } from "../../support/tokens";
import { callWorker, makeEnv } from "../../support/worker";

const REVISION = "2026-07-28";
const SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo";
const TENANT = "wire";

let key: TestKey;
let workerEnv: Env;
let fullToken: string;
let readToken: string;

beforeAll(async () => {
  key = await createTestKey("wire");
  workerEnv = makeEnv(key);
  fullToken = await mintToken({ key, claims: { sub: TENANT } });
  readToken = await mintToken({ key, claims: { sub: TENANT, scope: "files:read" } });
});

function envelope(revision = REVISION) {
  return {
    "io.modelcontextprotocol/protocolVersion": revision,
    "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "1.0.0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
}

interface ModernCall {
  method: string;
  params?: Record<string, unknown>;
  headers?: Record<string, string | undefined>;
  revision?: string;
  token?: string;
}

/** A modern request as a conforming client sends it; `headers` overrides (undefined removes one). */
function modernPost({ method, params = {}, headers = {}, revision = REVISION, token = fullToken }: ModernCall) {
  const name = typeof params.name === "string" ? params.name : undefined;
  // SEP-2243: the arguments our tools mark with x-mcp-header, mirrored as a conforming client does.
  const args = (params.arguments ?? {}) as Record<string, unknown>;
  const mirrored = Object.fromEntries(
    Object.entries(MIRRORED_ARGUMENTS)
      .filter(([argument]) => method === "tools/call" && typeof args[argument] === "string")
      .map(([argument, header]) => [`mcp-param-${header.toLowerCase()}`, args[argument] as string]),
  );
  const all: Record<string, string | undefined> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: `Bearer ${token}`,
    "mcp-protocol-version": revision,
    "mcp-method": method,
    ...(name !== undefined ? { "mcp-name": name } : {}),
    ...mirrored,
    ...headers,
  };
  const sent = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
  return callWorker(workerEnv, "/mcp", {
    method: "POST",
    headers: sent,
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method, params: { ...params, _meta: envelope(revision) } }),
  });
}

type Answer = {
  id: unknown;
  result?: Record<string, unknown> & { _meta?: Record<string, unknown> };
  error?: { code: number; message: string; data?: Record<string, unknown> };
};

async function answer(response: Response): Promise<Answer> {
  return (await response.json()) as Answer;
}

function writeCall(path: string, headers: Record<string, string | undefined> = {}, token = fullToken) {
  return modernPost({
    method: "tools/call",
    params: { name: "write_file", arguments: { path, content: "x" } },
    headers,
    token,
  });
}

async function stored(path: string): Promise<boolean> {
  return (await env.FILES.head(`files/${TENANT}/${path}`)) !== null;
}

describe("server/discover", () => {
  it("advertises every served revision, capabilities and instructions, with server info and a private cache hint", async () => {
    const response = await modernPost({ method: "server/discover" });
    expect(response.status).toBe(200);
    const { result } = await answer(response);
    expect(result).toMatchObject({
      supportedVersions: [...SERVED_REVISIONS],
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      resultType: "complete",
      ttlMs: LIST_CACHE_HINT.ttlMs,
      cacheScope: "private",
    });
    expect(result?._meta?.[SERVER_INFO_KEY]).toMatchObject({ name: SERVER_INFO.name, version: SERVER_INFO.version });
  });

  it("needs a token like every other request", async () => {
    const response = await modernPost({ method: "server/discover", headers: { authorization: undefined } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("resource_metadata=");
  });
});

describe("results", () => {
  it("tools/list: registry order, byte-identical on every call, cacheable only privately", async () => {
    const first = await (await modernPost({ method: "tools/list" })).text();
    const second = await (await modernPost({ method: "tools/list" })).text();
    expect(second).toBe(first);
    const { result } = JSON.parse(first) as Answer;
    const tools = (result?.tools ?? []) as { name: string }[];
    expect(tools.map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
    expect(result).toMatchObject({ resultType: "complete", ttlMs: 300_000, cacheScope: "private" });
    expect(result?._meta?.[SERVER_INFO_KEY]).toMatchObject({ name: SERVER_INFO.name });
  });

  it("tools/call: resultType complete and server info in _meta; no cache fields", async () => {
    const response = await modernPost({ method: "tools/call", params: { name: "list_allowed_directories" } });
    expect(response.status).toBe(200);
    const { result } = await answer(response);
    expect(result?.resultType).toBe("complete");
    expect(result?._meta?.[SERVER_INFO_KEY]).toMatchObject({ name: SERVER_INFO.name });
    expect(result?._meta?.[AUDIT_EVENT_META_KEY]).toMatch(/^[0-9a-f-]{36}$/);
    expect(result).not.toHaveProperty("ttlMs");
  });

  it("2025-era answers carry none of the 2026 fields", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fullToken}`,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    const { result } = await answer(response);
    expect(result).not.toHaveProperty("resultType");
    expect(result).not.toHaveProperty("ttlMs");
    expect(result?._meta?.[SERVER_INFO_KEY]).toBeUndefined();
  });
});

describe("methods 2026-07-28 removed", () => {
  it.each(["ping", "initialize"])("%s on the modern era is method-not-found (-32601)", async (method) => {
    const response = await modernPost({ method });
    const { error } = await answer(response);
    expect(error?.code).toBe(-32601);
  });
});

describe("unknown protocol revisions → 400, -32022, the supported list", () => {
  it.each([
    ["an envelope and header naming a future revision", { revision: "2099-01-01" }],
    ["an envelope naming a 2025 revision", { revision: "2025-06-18" }],
  ])("refuses %s, executing nothing", async (_label, { revision }) => {
    const response = await modernPost({
      method: "tools/call",
      params: { name: "write_file", arguments: { path: `v-${revision}.txt`, content: "x" } },
      revision,
      headers: { "mcp-protocol-version": revision },
    });
    expect(response.status).toBe(400);
    const { error, id } = await answer(response);
    expect(id).toBe(7);
    expect(error?.code).toBe(-32022);
    expect(error?.data).toMatchObject({ requested: revision });
    expect(error?.data?.supported).toEqual([...SERVED_REVISIONS]);
    expect(await stored(`v-${revision}.txt`)).toBe(false);
  });

  it("refuses an unknown MCP-Protocol-Version header on a 2025-era request the same way", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fullToken}`,
        "mcp-protocol-version": "1999-01-01",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    expect(response.status).toBe(400);
    const { error } = await answer(response);
    expect(error?.code).toBe(-32022);
    expect(error?.data).toMatchObject({ requested: "1999-01-01", supported: [...SERVED_REVISIONS] });
  });

  it("lists exactly what server/discover lists (one source of truth)", async () => {
    const discovered = (await answer(await modernPost({ method: "server/discover" }))).result?.supportedVersions;
    const refused = await answer(await modernPost({ method: "tools/list", revision: "2099-01-01" }));
    expect(refused.error?.data?.supported).toEqual(discovered);
  });
});

describe("initialize negotiates among the served 2025-era revisions", () => {
  async function initialize(protocolVersion: string) {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fullToken}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw-test", version: "1.0.0" } },
      }),
    });
    return (await answer(response)).result?.protocolVersion;
  }

  it.each([...LEGACY_REVISIONS])("echoes %s", async (revision) => {
    expect(await initialize(revision)).toBe(revision);
  });

  it("counter-offers the newest 2025-era revision for an unknown or modern one", async () => {
    expect(await initialize("2099-01-01")).toBe(LEGACY_REVISIONS[0]);
    expect(await initialize(REVISION)).toBe(LEGACY_REVISIONS[0]);
  });
});

describe("standard headers must agree with the body (SEP-2243) → 400, -32020", () => {
  it.each([
    ["MCP-Protocol-Version names another revision", { "mcp-protocol-version": "2025-11-25" }],
    ["MCP-Protocol-Version is missing", { "mcp-protocol-version": undefined }],
    ["Mcp-Method is missing", { "mcp-method": undefined }],
    ["Mcp-Method names another method", { "mcp-method": "tools/list" }],
    ["Mcp-Name is missing", { "mcp-name": undefined }],
    ["Mcp-Name names another tool", { "mcp-name": "read_text_file" }],
    ["Mcp-Name is a malformed Base64 value", { "mcp-name": "=?base64?not*base64?=" }],
  ])("when %s, executing nothing", async (label, headers) => {
    const path = `mismatch-${label.replace(/\W+/g, "-")}.txt`;
    const response = await writeCall(path, headers);
    expect(response.status).toBe(400);
    expect((await answer(response)).error?.code).toBe(-32020);
    expect(await stored(path)).toBe(false);
  });

  it("a header naming a tool the caller may use cannot launder a call to one it may not", async () => {
    const response = await writeCall("laundered.txt", { "mcp-name": "read_text_file" }, readToken);
    expect(response.status).toBe(400);
    expect((await answer(response)).error?.code).toBe(-32020);
    expect(await stored("laundered.txt")).toBe(false);
  });

  it("accepts Mcp-Name in its Base64 form (=?base64?…?=) when it decodes to the body's name", async () => {
    const response = await writeCall("b64.txt", { "mcp-name": `=?base64?${btoa("write_file")}?=` });
    expect(response.status).toBe(200);
    expect(await stored("b64.txt")).toBe(true);
  });

  it("refuses a modern MCP-Protocol-Version header on a body without the envelope (-32602)", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fullToken}`,
        "mcp-protocol-version": REVISION,
        "mcp-method": "tools/list",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 4, method: "tools/list" }),
    });
    expect(response.status).toBe(400);
    expect((await answer(response)).error?.code).toBe(-32602);
  });

  it("the same call with agreeing headers succeeds", async () => {
    const response = await writeCall("agreeing.txt");
    expect(response.status).toBe(200);
    expect((await answer(response)).result?.isError).toBeFalsy();
    expect(await stored("agreeing.txt")).toBe(true);
  });
});

describe("tool arguments mirrored into Mcp-Param-* headers (SEP-2243 x-mcp-header) → 400, -32020", () => {
  it("tools/list marks path, source and destination with x-mcp-header", async () => {
    const { result } = await answer(await modernPost({ method: "tools/list" }));
    type Listed = { name: string; inputSchema: { properties: Record<string, Record<string, unknown>> } };
    const tools = (result?.tools ?? []) as Listed[];
    const property = (tool: string, argument: string) =>
      tools.find((listed) => listed.name === tool)?.inputSchema.properties[argument];
    expect(property("write_file", "path")?.["x-mcp-header"]).toBe("Path");
    expect(property("move_file", "source")?.["x-mcp-header"]).toBe("Source");
    expect(property("move_file", "destination")?.["x-mcp-header"]).toBe("Destination");
    expect(property("write_file", "content")?.["x-mcp-header"]).toBeUndefined();
  });

  it.each([
    ["Mcp-Param-Path is missing", { "mcp-param-path": undefined }],
    ["Mcp-Param-Path names another path", { "mcp-param-path": "public/ok.txt" }],
    ["Mcp-Param-Path is a malformed Base64 value", { "mcp-param-path": "=?base64?SGVsbG8?=" }],
  ])("when %s, executing nothing", async (label, headers) => {
    const path = `param-${label.replace(/\W+/g, "-")}.txt`;
    const response = await writeCall(path, headers);
    expect(response.status).toBe(400);
    const { error } = await answer(response);
    expect(error?.code).toBe(-32020);
    expect(error?.data).toMatchObject({ mismatch: { header: "Mcp-Param-Path" } });
    expect(await stored(path)).toBe(false);
  });

  it("a gateway's path rule on the header cannot be walked around: a move's destination must agree too", async () => {
    await writeCall("move-me.txt");
    const response = await modernPost({
      method: "tools/call",
      params: { name: "move_file", arguments: { source: "move-me.txt", destination: "payroll/x.txt" } },
      headers: { "mcp-param-destination": "public/x.txt" },
    });
    expect(response.status).toBe(400);
    expect((await answer(response)).error?.code).toBe(-32020);
    expect(await stored("payroll/x.txt")).toBe(false);
    expect(await stored("move-me.txt")).toBe(true);
  });

  it("accepts the Base64 form, and a path that is not plain ASCII", async () => {
    const path = "notes/résumé.txt";
    const encoded = `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(path)))}?=`;
    const response = await writeCall(path, { "mcp-param-path": encoded });
    expect(response.status).toBe(200);
    expect(await stored(path)).toBe(true);
  });

  it("2025-era calls need no Mcp-Param headers (they predate them)", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${fullToken}`,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "write_file", arguments: { path: "legacy-param.txt", content: "x" } },
      }),
    });
    expect(response.status).toBe(200);
    expect(await stored("legacy-param.txt")).toBe(true);
  });
});

describe("scope refusals on the modern era", () => {
  it("answer 403 with a Bearer insufficient_scope challenge (held scopes + the needed one), before any tool runs", async () => {
    const response = await writeCall("no-scope.txt", {}, readToken);
    expect(response.status).toBe(403);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="files:read files:write"');
    expect(await stored("no-scope.txt")).toBe(false);
  });
});
