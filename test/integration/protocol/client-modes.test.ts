/**
 * One behaviour table, run by every kind of client the server serves: the SDK 1.x `Client` (2025), and
 * the v2 `Client` in default (2025 `initialize`), `auto` (lands on 2026-07-28) and pinned-2026-07-28
 * modes. Same tenant, same tools, same refusals, whichever era the client speaks.
 */
import { env } from "cloudflare:workers";
import { InsufficientScopeError } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../../src/tools/registry";
import { faultyBucket } from "../../support/faulty-bucket";
import { createTestKey, type TestKey } from "../../support/keys";
import { errorCodeOf, textOf } from "../../support/mcp-client";
import {
  CLIENT_MODES,
  type ClientMode,
  connectMode,
  EXPECTED_ERA,
  type ModeClient,
} from "../../support/protocol-clients";
import { mintToken } from "../../support/tokens";
import { makeEnv } from "../../support/worker";

let key: TestKey;
const TENANT = "modes";

beforeAll(async () => {
  key = await createTestKey("modes");
});

async function connect(mode: ClientMode, scope = "files:read files:write files:delete", bucket?: R2Bucket) {
  const token = await mintToken({ key, claims: { sub: TENANT, scope } });
  return connectMode(mode, makeEnv(key, bucket ? { FILES: bucket } : {}), token);
}

function last(client: ModeClient) {
  const exchange = client.exchanges.at(-1);
  if (!exchange) throw new Error("no exchange recorded");
  return exchange;
}

describe.each(CLIENT_MODES)("%s", (mode) => {
  it("connects on the era it asked for, with no fallback round trip", async () => {
    const client = await connect(mode);
    expect(client.era).toBe(EXPECTED_ERA[mode]);
    const methods = client.exchanges.map((exchange) => exchange.method);
    if (EXPECTED_ERA[mode] === "modern") {
      expect(methods).toEqual(["server/discover"]);
    } else {
      expect(methods).toEqual(["initialize", "notifications/initialized"]);
    }
    await client.close();
  });

  it("lists every tool, in registry order", async () => {
    const client = await connect(mode);
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(TOOLS.map((tool) => tool.name));
    await client.close();
  });

  it("writes a file and reads it back", async () => {
    const client = await connect(mode);
    const path = `own-${mode}.txt`;
    const written = await client.callTool("write_file", { path, content: `written by ${mode}` });
    expect(written.isError).toBeFalsy();
    expect(await (await env.FILES.get(`files/${TENANT}/${path}`))?.text()).toBe(`written by ${mode}`);
    expect(textOf(await client.callTool("read_text_file", { path }))).toBe(`written by ${mode}`);
    await client.close();
  });

  it("is refused with 403 insufficient_scope naming the missing scope, and nothing is written", async () => {
    const client = await connect(mode, "files:read");
    const path = `refused-${mode}.txt`;
    const call = client.callTool("write_file", { path, content: "x" });
    if (mode === "sdk-1.x") await expect(call).rejects.toThrow();
    else await expect(call).rejects.toBeInstanceOf(InsufficientScopeError);
    const refusal = last(client);
    expect(refusal.status).toBe(403);
    const challenge = refusal.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    // The scope to ask for is what the token held plus what the call needs (MCP authorization, step-up).
    expect(challenge).toContain('scope="files:read files:write"');
    expect(challenge).toContain(
      'resource_metadata="https://files.example.test/.well-known/oauth-protected-resource/mcp"',
    );
    expect(await env.FILES.head(`files/${TENANT}/${path}`)).toBeNull();
    await client.close();
  });

  it("answers invalid arguments with a tool error the model can correct", async () => {
    const client = await connect(mode);
    const result = await client.callTool("write_file", { path: 42 });
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe("invalid_arguments");
    expect(last(client).status).toBe(200);
    await client.close();
  });

  it("answers an R2 outage with 503 + Retry-After and a generic error, writing nothing", async () => {
    const client = await connect(mode, undefined, faultyBucket(env.FILES, { fail: ["put"] }));
    const path = `outage-${mode}.txt`;
    await expect(client.callTool("write_file", { path, content: "x" })).rejects.toThrow(/temporarily unavailable/);
    const failure = last(client);
    expect(failure.status).toBe(503);
    expect(failure.headers.get("retry-after")).toBe("5");
    expect(await env.FILES.head(`files/${TENANT}/${path}`)).toBeNull();
    await client.close();
  });
});

describe("clients of both eras share one tenant's files", () => {
  const clients: ModeClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  it("each client reads what every other client wrote", async () => {
    for (const mode of CLIENT_MODES) clients.push(await connect(mode));
    for (const client of clients) {
      const result = await client.callTool("write_file", { path: `shared/${client.mode}.txt`, content: client.mode });
      expect(result.isError, client.mode).toBeFalsy();
    }
    for (const reader of clients) {
      for (const writer of CLIENT_MODES) {
        const result = await reader.callTool("read_text_file", { path: `shared/${writer}.txt` });
        expect(textOf(result), `${reader.mode} reads ${writer}`).toBe(writer);
      }
    }
  });
});
