/**
 * The example policy, as written, through the real SDK client and raw HTTP: each rule allowed
 * and refused, step-up with stale and fresh auth_time, confirmations for a 2025-era client, tools/list
 * for each role, decisions in the request log, and what R2 holds afterwards.
 */
import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { TOOLS } from "../../../src/tools/registry";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { callTool, connectClient, errorCodeOf, textOf } from "../../support/mcp-client";
import { mintToken } from "../../support/tokens";
import { makeEnv, postMcp, toolCall } from "../../support/worker";
import { EXAMPLE_POLICY } from "../../unit/policy/example-policy";

const METADATA = "https://files.example.test/.well-known/oauth-protected-resource/mcp";
let key: TestKey;
let workerEnv: Env;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("policy");
  workerEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify(EXAMPLE_POLICY) });
});

interface Who {
  readonly tenant: string;
  readonly token: string;
  readonly client: Client;
}

async function as(roles: string[] | string, options: { authAge?: number; tenant?: string } = {}): Promise<Who> {
  const tenant = options.tenant ?? `pol${Date.now().toString(36)}x${(counter++).toString(36)}`;
  const now = Math.floor(Date.now() / 1000);
  const token = await mintToken({
    key,
    claims: { sub: tenant, roles, auth_time: now - (options.authAge ?? 10) },
  });
  return { tenant, token, client: await connectClient(workerEnv, token) };
}

async function seed(tenant: string, files: Record<string, string>): Promise<void> {
  await Promise.all(Object.entries(files).map(([path, body]) => env.FILES.put(`files/${tenant}/${path}`, body)));
}

async function stored(tenant: string, path: string): Promise<string | null> {
  return (await env.FILES.get(`files/${tenant}/${path}`))?.text() ?? null;
}

async function trashKeys(tenant: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `trash/${tenant}/` })).objects.map((object) => object.key);
}

describe("rule no-dotenv", () => {
  it("refuses reading and writing .env at the root and at any depth, naming the rule; .env.example is fine", async () => {
    const admin = await as(["admin"]);
    await seed(admin.tenant, { ".env": "SECRET=1", "app/.env": "SECRET=2", ".env.example": "SECRET=" });
    for (const path of [".env", "app/.env", "/app/./.env"]) {
      const result = await callTool(admin.client, "read_text_file", { path });
      expect(errorCodeOf(result)).toBe("policy_denied");
      expect(textOf(result)).toContain("(rule no-dotenv)");
      expect(textOf(result)).not.toContain("SECRET");
    }
    expect(textOf(await callTool(admin.client, "read_text_file", { path: ".env.example" }))).toBe("SECRET=");
    const multi = await callTool(admin.client, "read_multiple_files", { paths: ["notes.md", "app/.env"] });
    expect(errorCodeOf(multi)).toBe("policy_denied");

    const write = await callTool(admin.client, "write_file", { path: "app/.env", content: "LEAK=1" });
    expect(errorCodeOf(write)).toBe("policy_denied");
    expect(await stored(admin.tenant, "app/.env")).toBe("SECRET=2");
    const remove = await callTool(admin.client, "delete_file", { path: ".env" });
    expect(errorCodeOf(remove)).toBe("policy_denied");
    expect(await stored(admin.tenant, ".env")).toBe("SECRET=1");
    expect(await trashKeys(admin.tenant)).toEqual([]);
  });

  it("refuses moving .env away or onto .env: a rename cannot launder the read and write denies", async () => {
    const admin = await as(["admin"]);
    await seed(admin.tenant, { ".env": "SECRET=1", "notes.md": "n" });
    const away = await callTool(admin.client, "move_file", { source: ".env", destination: "leak.txt" });
    expect(errorCodeOf(away)).toBe("policy_denied");
    expect(textOf(away)).toContain("(rule no-dotenv)");
    expect(await stored(admin.tenant, ".env")).toBe("SECRET=1");
    expect(await stored(admin.tenant, "leak.txt")).toBeNull();
    const onto = await callTool(admin.client, "move_file", { source: "notes.md", destination: "app/.env" });
    expect(errorCodeOf(onto)).toBe("policy_denied");
    expect(await stored(admin.tenant, "notes.md")).toBe("n");
    const fine = await callTool(admin.client, "move_file", { source: "notes.md", destination: "kept.md" });
    expect(fine.isError, textOf(fine)).toBeFalsy();
  });

  it("logs the decision and its rule; the refusal is a security event", async () => {
    const admin = await as(["admin"]);
    const logs = captureLogs();
    try {
      await callTool(admin.client, "read_text_file", { path: ".env" });
      await callTool(admin.client, "list_directory", { path: "/" });
    } finally {
      logs.restore();
    }
    const records = logs.records();
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "request",
        tool: "read_text_file",
        decision: "deny",
        rule: "no-dotenv",
        outcome: "tool_error",
        errorCode: "policy_denied",
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "security",
        type: "policy_refused",
        reason: "deny",
        rule: "no-dotenv",
        tool: "read_text_file",
      }),
    );
    expect(records).toContainEqual(
      expect.objectContaining({
        kind: "request",
        tool: "list_directory",
        decision: "allow",
        rule: "scope:files:read",
        outcome: "ok",
      }),
    );
  });
});

describe("rule archive-read-only", () => {
  it("an editor reads the archive but cannot write, overwrite, move into or out of it", async () => {
    const editor = await as(["editor"]);
    await seed(editor.tenant, { "archive/2024.txt": "old", "notes.txt": "new" });
    expect(textOf(await callTool(editor.client, "read_text_file", { path: "archive/2024.txt" }))).toBe("old");
    const refused = [
      ["write_file", { path: "archive/2025.txt", content: "x", ifNoneMatch: "*" }],
      ["write_file", { path: "archive/2024.txt", content: "overwritten" }],
      ["edit_file", { path: "archive/2024.txt", edits: [{ oldText: "old", newText: "changed" }] }],
      ["create_directory", { path: "archive/new" }],
      ["move_file", { source: "notes.txt", destination: "archive/notes.txt" }],
      ["move_file", { source: "archive", destination: "attic" }],
    ] as const;
    for (const [tool, args] of refused) {
      const result = await callTool(editor.client, tool, args);
      expect(errorCodeOf(result), tool).toBe("policy_denied");
      expect(textOf(result)).toContain("(rule archive-read-only)");
    }
    expect(await stored(editor.tenant, "archive/2024.txt")).toBe("old");
    expect(await stored(editor.tenant, "notes.txt")).toBe("new");
    expect(await stored(editor.tenant, "archive/2025.txt")).toBeNull();
    expect(await stored(editor.tenant, "archive/notes.txt")).toBeNull();
    // Elsewhere the editor writes as usual.
    expect((await callTool(editor.client, "write_file", { path: "drafts/a.txt", content: "ok" })).isError).toBeFalsy();
  });

  it("an admin may change the archive (unlessRoles)", async () => {
    const admin = await as("admin");
    await seed(admin.tenant, { "archive/2024.txt": "old" });
    const result = await callTool(admin.client, "write_file", { path: "archive/2024.txt", content: "revised" });
    expect(result.isError).toBeFalsy();
    expect(await stored(admin.tenant, "archive/2024.txt")).toBe("revised");
  });
});

describe("rule fresh-login-to-delete (RFC 9470 step-up)", () => {
  it("a fresh auth_time deletes", async () => {
    const admin = await as(["admin"], { authAge: 30 });
    await seed(admin.tenant, { "old.txt": "bye" });
    const result = await callTool(admin.client, "delete_file", { path: "old.txt" });
    expect(result.isError).toBeFalsy();
    expect(await stored(admin.tenant, "old.txt")).toBeNull();
    expect(await trashKeys(admin.tenant)).toHaveLength(1);
  });

  it("a stale auth_time gets 401 insufficient_user_authentication with max_age, and nothing moves", async () => {
    const admin = await as(["admin"], { authAge: 3600 });
    await seed(admin.tenant, { "old.txt": "stay" });
    const logs = captureLogs();
    let response: Response;
    try {
      response = await postMcp(workerEnv, toolCall("delete_file", { path: "old.txt" }, 9), {
        authorization: `Bearer ${admin.token}`,
      });
    } finally {
      logs.restore();
    }
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer error="insufficient_user_authentication", error_description="delete_file requires a sign-in within ' +
        `the last 300 seconds (rule fresh-login-to-delete); sign in again and retry.", max_age="300", resource_metadata="${METADATA}"`,
    );
    const body = (await response.json()) as { id: number; error: { code: number; message: string } };
    expect(body.id).toBe(9);
    expect(body.error.message).toContain("fresh-login-to-delete");
    expect(await stored(admin.tenant, "old.txt")).toBe("stay");
    expect(await trashKeys(admin.tenant)).toEqual([]);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        kind: "request",
        status: 401,
        decision: "step-up",
        rule: "fresh-login-to-delete",
        outcome: "denied",
      }),
    );
    // The SDK client sees the refusal too (it would start a new authorization with max_age).
    await expect(callTool(admin.client, "delete_file", { path: "old.txt" })).rejects.toThrow();
    expect(await stored(admin.tenant, "old.txt")).toBe("stay");
  });

  it("a token without auth_time is treated as stale", async () => {
    const tenant = `pol-noauth-${counter++}`;
    const token = await mintToken({ key, claims: { sub: tenant, roles: ["admin"] } });
    await seed(tenant, { "old.txt": "stay" });
    const response = await postMcp(workerEnv, toolCall("delete_file", { path: "old.txt" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('max_age="300"');
    expect(await stored(tenant, "old.txt")).toBe("stay");
  });
});

describe("rule confirm-purge with a 2025-era client", () => {
  it("refuses empty_trash with a tool error naming the rule; the trash is untouched", async () => {
    const admin = await as(["admin"]);
    await seed(admin.tenant, { "gone.txt": "x" });
    expect((await callTool(admin.client, "delete_file", { path: "gone.txt" })).isError).toBeFalsy();
    const result = await callTool(admin.client, "empty_trash");
    expect(errorCodeOf(result)).toBe("confirmation_required");
    expect(textOf(result)).toContain("(rule confirm-purge)");
    expect(textOf(result)).toContain("client that supports confirmations");
    expect(await trashKeys(admin.tenant)).toHaveLength(1);
  });
});

describe("roles and scopes", () => {
  it("an editor's full-scope token cannot delete: its role does not entitle it (a tool error, not a step-up loop)", async () => {
    const editor = await as(["editor"]);
    await seed(editor.tenant, { "a.txt": "a" });
    const response = await postMcp(workerEnv, toolCall("delete_file", { path: "a.txt" }), {
      authorization: `Bearer ${editor.token}`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("www-authenticate")).toBeNull();
    const body = (await response.json()) as { result: { isError: boolean; content: { text: string }[] } };
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0]?.text).toBe(
      "[policy_denied] delete_file requires the files:delete scope, which your roles do not include (rule roles:files:delete).",
    );
    expect(await stored(editor.tenant, "a.txt")).toBe("a");
  });

  it("an admin whose token lacks files:write gets the 403 step-up challenge (a new token would help)", async () => {
    const tenant = `pol-step-${counter++}`;
    const token = await mintToken({ key, claims: { sub: tenant, roles: ["admin"], scope: "files:read" } });
    const response = await postMcp(workerEnv, toolCall("write_file", { path: "a.txt", content: "x" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer error="insufficient_scope", scope="files:read files:write", resource_metadata="${METADATA}"`,
    );
  });

  it("an admin role cannot widen a read-only token", async () => {
    const tenant = `pol-ro-${counter++}`;
    const token = await mintToken({ key, claims: { sub: tenant, roles: ["admin"], scope: "files:read" } });
    const response = await postMcp(workerEnv, toolCall("write_file", { path: "a.txt", content: "x" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(403);
    expect(await stored(tenant, "a.txt")).toBeNull();
  });

  it("a roles claim the policy cannot read refuses the token (never 'no roles')", async () => {
    const token = await mintToken({ key, claims: { sub: "pol-badroles", roles: { admin: true } } });
    const response = await postMcp(workerEnv, toolCall("list_directory", {}), { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe('toolsList: "permitted"', () => {
  const readTools = TOOLS.filter((tool) => tool.scope === "files:read").map((tool) => tool.name);
  it("a viewer sees only the tools it can use", async () => {
    const viewer = await as(["viewer"]);
    const names = (await viewer.client.listTools()).tools.map((tool) => tool.name);
    expect(names.sort()).toEqual([...readTools].sort());
  });

  it("an editor sees no delete tools; an admin sees everything", async () => {
    const editor = (await (await as(["editor"])).client.listTools()).tools.map((tool) => tool.name);
    expect(editor).toContain("write_file");
    expect(editor).not.toContain("delete_file");
    expect(editor).not.toContain("empty_trash");
    const admin = (await (await as(["admin"])).client.listTools()).tools.map((tool) => tool.name);
    expect(admin).toEqual(TOOLS.map((tool) => tool.name));
  });

  it('"all" keeps the full listing for a viewer, who then learns its limits from 403s', async () => {
    const allEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify({ ...EXAMPLE_POLICY, toolsList: "all" }) });
    const token = await mintToken({ key, claims: { sub: "pol-all", roles: ["viewer"] } });
    const client = await connectClient(allEnv, token);
    expect((await client.listTools()).tools).toHaveLength(TOOLS.length);
  });
});

describe("an invalid policy fails closed", () => {
  it("answers 503 naming ACCESS_POLICY, runs nothing, and /healthz reports it", async () => {
    const broken = makeEnv(key, {
      ACCESS_POLICY: JSON.stringify({ ...EXAMPLE_POLICY, rules: [{ id: "x", effect: "allow" }] }),
    });
    const token = await mintToken({ key, claims: { sub: "pol-broken" } });
    const response = await postMcp(broken, toolCall("write_file", { path: "a.txt", content: "x" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("ACCESS_POLICY");
    expect(await stored("pol-broken", "a.txt")).toBeNull();
    const { callWorker } = await import("../../support/worker");
    const health = await callWorker(broken, "/healthz");
    expect(await health.json()).toEqual({ status: "misconfigured", variable: "ACCESS_POLICY" });
  });
});

describe("resources go through the same policy", () => {
  it("resources/read of a .env is refused by no-dotenv; another file reads", async () => {
    const { toResourceUri } = await import("../../../src/mcp/resources");
    const { parseSandboxPath } = await import("../../../src/sandbox/sandbox-path");
    const admin = await as(["admin"]);
    await seed(admin.tenant, { "app/.env": "SECRET=3", "app/readme.txt": "hello" });
    await expect(
      admin.client.readResource({ uri: toResourceUri(parseSandboxPath("app/.env", "uri")) }),
    ).rejects.toThrow(/no-dotenv/);
    const ok = await admin.client.readResource({ uri: toResourceUri(parseSandboxPath("app/readme.txt", "uri")) });
    expect(ok.contents[0]).toMatchObject({ text: "hello" });
  });
});
