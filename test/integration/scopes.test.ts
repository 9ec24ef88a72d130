/**
 * Scope enforcement: a tools/call needing a scope the token lacks gets HTTP 403 with an
 * `insufficient_scope` challenge naming the scope (so clients can step up), and nothing runs.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv, postMcp, toolCall } from "../support/worker";

const METADATA = "https://files.example.test/.well-known/oauth-protected-resource/mcp";
let key: TestKey;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("scopes");
  workerEnv = makeEnv(key);
  await env.FILES.put("files/scoped/keep.txt", "keep me");
});

async function tokenWith(scope: string): Promise<string> {
  return mintToken({ key, claims: { sub: "scoped", scope } });
}

describe("scope enforcement", () => {
  it.each([
    // The challenge asks for what the caller holds plus what it needs (MCP 2025-11-25 step-up), so a
    // client that re-authorizes with exactly the challenged scope keeps its other file scopes.
    ["write_file", { path: "new.txt", content: "x" }, "files:read", "files:write", "files:read files:write"],
    ["create_directory", { path: "newdir" }, "files:read", "files:write", "files:read files:write"],
    [
      "delete_file",
      { path: "keep.txt" },
      "files:read files:write",
      "files:delete",
      "files:read files:write files:delete",
    ],
    ["read_text_file", { path: "keep.txt" }, "files:write openid", "files:read", "files:read files:write"],
    ["list_directory", { path: "/" }, "", "files:read", "files:read"],
  ])("%s with scopes %j → 403 insufficient_scope for %s", async (tool, args, granted, needed, challenged) => {
    const logs = captureLogs();
    try {
      const response = await postMcp(workerEnv, toolCall(tool, args, 7), {
        authorization: `Bearer ${await tokenWith(granted)}`,
      });
      expect(response.status).toBe(403);
      expect(response.headers.get("www-authenticate")).toBe(
        `Bearer error="insufficient_scope", scope="${challenged}", resource_metadata="${METADATA}"`,
      );
      const body = (await response.json()) as { id: number; error: { code: number } };
      expect(body.id).toBe(7);
      expect(logs.records()).toContainEqual(
        expect.objectContaining({ kind: "security", type: "scope_refused", tool, scope: needed }),
      );
      expect(logs.records()).toContainEqual(
        expect.objectContaining({ kind: "request", status: 403, outcome: "denied" }),
      );
    } finally {
      logs.restore();
    }
    // Nothing ran: no new objects, the existing file is untouched and not in the trash.
    expect(await env.FILES.head("files/scoped/new.txt")).toBeNull();
    expect(await env.FILES.head("files/scoped/newdir/")).toBeNull();
    expect(await (await env.FILES.get("files/scoped/keep.txt"))?.text()).toBe("keep me");
    expect((await env.FILES.list({ prefix: "trash/scoped/" })).objects).toHaveLength(0);
  });

  it("lets a token with only files:read list tools (to discover what to step up to) and read", async () => {
    const client = await connectClient(workerEnv, await tokenWith("files:read"));
    expect((await client.listTools()).tools.length).toBeGreaterThan(5);
    expect(textOf(await callTool(client, "read_text_file", { path: "keep.txt" }))).toBe("keep me");
  });

  it("surfaces the 403 to the SDK client as an error", async () => {
    const client = await connectClient(workerEnv, await tokenWith("files:read"));
    await expect(callTool(client, "write_file", { path: "sdk.txt", content: "x" })).rejects.toThrow();
    expect(await env.FILES.head("files/scoped/sdk.txt")).toBeNull();
  });

  it("answers an unknown tool with JSON-RPC -32602", async () => {
    const response = await postMcp(workerEnv, toolCall("rm_rf", { path: "/" }), {
      authorization: `Bearer ${await tokenWith("files:read files:write files:delete")}`,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { error: { code: number } };
    expect(body.error.code).toBe(-32602);
  });
});
