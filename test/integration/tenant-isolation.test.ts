/**
 * Invariant 1: every key a tenant's calls touch lies under its own prefix, whatever the path or the
 * tenant claim looks like; another tenant's files are never readable or listable.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv } from "../support/worker";

let key: TestKey;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("iso");
  workerEnv = makeEnv(key);
});

async function clientFor(sub: string, extra: Record<string, unknown> = {}, envOverride?: Env) {
  return connectClient(envOverride ?? workerEnv, await mintToken({ key, claims: { sub, ...extra } }));
}

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ ...(cursor ? { cursor } : {}) });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys;
}

const HOSTILE_PATHS = [
  "../victim/secret.txt",
  "../../files/victim/secret.txt",
  "a/../../victim/secret.txt",
  "..",
  "/..",
  "..\\victim\\secret.txt",
  "a\\..\\..\\x",
  "secret\u0000.txt",
  "line\nbreak",
  "\uFF0E\uFF0E/victim/secret.txt",
  "\u2024\u2024/x",
  "a\u2215..\u2215b",
  "\ud800",
  "x".repeat(800),
];

const PATH_PARAMETERS: [string, (path: string) => Record<string, unknown>][] = [
  ["read_text_file", (path) => ({ path })],
  ["write_file", (path) => ({ path, content: "pwned" })],
  ["list_directory", (path) => ({ path })],
  ["create_directory", (path) => ({ path })],
  ["get_file_info", (path) => ({ path })],
  ["delete_file", (path) => ({ path })],
];

describe("traversal and encoding tricks on every path parameter", () => {
  it.each(PATH_PARAMETERS)("%s refuses hostile paths with invalid_path, touching nothing", async (tool, args) => {
    await env.FILES.put("files/victim/secret.txt", "victim data");
    const before = await allKeys();
    const client = await clientFor("attacker", { scope: "files:read files:write files:delete" });
    const logs = captureLogs();
    try {
      for (const path of HOSTILE_PATHS) {
        const result = await callTool(client, tool, args(path));
        expect(errorCodeOf(result), `${tool} ${JSON.stringify(path)}`).toBe("invalid_path");
        expect(textOf(result)).not.toContain("victim data");
      }
      expect(logs.records().filter((r) => r.type === "path_refused")).toHaveLength(HOSTILE_PATHS.length);
    } finally {
      logs.restore();
    }
    expect(await allKeys()).toEqual(before);
    expect(await (await env.FILES.get("files/victim/secret.txt"))?.text()).toBe("victim data");
  });

  it("stores literal look-alike names inside the tenant, never decoding them", async () => {
    const client = await clientFor("literal");
    for (const path of ["%2e%2e/x.txt", "..%2fx.txt", "...", "a..b"]) {
      expect((await callTool(client, "write_file", { path, content: "ok" })).isError, path).toBeFalsy();
    }
    const keys = (await allKeys()).filter((k) => k.includes("literal"));
    expect(keys.sort()).toEqual(
      ["files/literal/%2e%2e/x.txt", "files/literal/...", "files/literal/..%2fx.txt", "files/literal/a..b"].sort(),
    );
  });
});

describe("tenants cannot see each other", () => {
  it("bob cannot read, list, inspect or delete alice's files at the same path", async () => {
    const alice = await clientFor("alice");
    const bob = await clientFor("bob");
    await callTool(alice, "write_file", { path: "private/plan.md", content: "alice's plan" });
    expect(errorCodeOf(await callTool(bob, "read_text_file", { path: "private/plan.md" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(bob, "get_file_info", { path: "private/plan.md" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(bob, "list_directory", { path: "private" }))).toBe("not_found");
    expect(textOf(await callTool(bob, "list_directory", { path: "/" }))).not.toContain("private");
    expect(errorCodeOf(await callTool(bob, "delete_file", { path: "private/plan.md" }))).toBe("not_found");
    expect(textOf(await callTool(alice, "read_text_file", { path: "private/plan.md" }))).toBe("alice's plan");
  });

  it("concurrent requests from different tenants never receive each other's responses (CVE-2026-25536 class)", async () => {
    const tenants = ["conc-a", "conc-b", "conc-c", "conc-d"];
    const clients = await Promise.all(tenants.map((sub) => clientFor(sub)));
    await Promise.all(
      clients.map((client, i) =>
        callTool(client, "write_file", { path: "mine.txt", content: `owned by ${tenants[i]}` }),
      ),
    );
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        callTool(clients[n % tenants.length]!, "read_text_file", { path: "mine.txt" }).then(
          (r) => [n % tenants.length, textOf(r)] as const,
        ),
      ),
    );
    for (const [i, text] of reads) expect(text).toBe(`owned by ${tenants[i]}`);
  });

  it("t1 never sees t10's files (prefix-free tenant folders)", async () => {
    const t10 = await clientFor("t10");
    const t1 = await clientFor("t1");
    await callTool(t10, "write_file", { path: "x.txt", content: "t10 data" });
    await callTool(t1, "write_file", { path: "y.txt", content: "t1 data" });
    expect(textOf(await callTool(t1, "list_directory", { path: "/" }))).toBe("[FILE] y.txt");
    expect(textOf(await callTool(t10, "list_directory", { path: "/" }))).toBe("[FILE] x.txt");
  });

  it.each([
    ["../bob", "files/~2E~2E~2Fbob/"],
    ["bob/", "files/bob~2F/"],
    ["a/b", "files/a~2Fb/"],
    ["..", "files/~2E~2E/"],
    ["\u0430lice", "files/~D0~B0lice/"],
  ])("a tenant id that looks like a path (%j) stays in its own folder", async (sub, prefix) => {
    const impostor = await clientFor(sub);
    await callTool(impostor, "write_file", { path: "note.txt", content: "from impostor" });
    const keys = (await allKeys()).filter((k) => k.endsWith("/note.txt"));
    expect(keys).toContain(`${prefix}note.txt`);
    const bob = await clientFor("bob");
    expect(errorCodeOf(await callTool(bob, "read_text_file", { path: "note.txt" }))).toBe("not_found");
  });

  it("with OAUTH_TENANT_CLAIM=org_id, members of one org share a sandbox and other orgs do not", async () => {
    const orgEnv = makeEnv(key, { OAUTH_TENANT_CLAIM: "org_id" });
    const ann = await clientFor("ann", { org_id: "acme" }, orgEnv);
    const ben = await clientFor("ben", { org_id: "acme" }, orgEnv);
    const eve = await clientFor("eve", { org_id: "evil-corp" }, orgEnv);
    await callTool(ann, "write_file", { path: "shared.md", content: "acme notes" });
    expect(textOf(await callTool(ben, "read_text_file", { path: "shared.md" }))).toBe("acme notes");
    expect(errorCodeOf(await callTool(eve, "read_text_file", { path: "shared.md" }))).toBe("not_found");
    expect(await env.FILES.head("files/acme/shared.md")).not.toBeNull();
  });

  it("keeps every object of a mixed session under the caller's prefixes", async () => {
    const client = await clientFor("contained", { scope: "files:read files:write files:delete" });
    await callTool(client, "create_directory", { path: "a/b" });
    await callTool(client, "write_file", { path: "a/b/c.txt", content: "c" });
    await callTool(client, "write_file", { path: "d.txt", content: "d" });
    await callTool(client, "delete_file", { path: "d.txt" });
    const touched = (await allKeys()).filter((k) => k.includes("contained"));
    expect(touched.length).toBeGreaterThanOrEqual(3);
    for (const k of touched) expect(k.startsWith("files/contained/") || k.startsWith("trash/contained/"), k).toBe(true);
  });
});
