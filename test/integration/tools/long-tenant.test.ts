/**
 * The key-length budget per tenant: a long non-ASCII tenant id (42 × "日", escaped to 378 bytes of key
 * prefix) leaves less room for paths under R2's 1,024-byte key limit. The longest path it can use is
 * computed from its own prefix and the longest key a path is part of (a deleted directory's trash
 * marker): at that length write, delete (to the trash), restore and move all work; one byte more is a
 * precise `invalid_path` naming this caller's limit, never a 503 blaming storage.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_KEY_BYTES, MAX_TRASH_ID_LENGTH, maxPathBytesFor } from "../../../src/sandbox/key-budget";
import { encodeTenantId } from "../../../src/sandbox/tenant-prefix";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession, type TenantSession } from "../../support/session";

let key: TestKey;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("long-tenant");
});

/** 42 × "日" (126 bytes) and two more ASCII characters: 128 bytes, the longest tenant id there is. */
async function longTenant(): Promise<{ s: TenantSession; limit: number; encoded: string }> {
  const tenant = `${"日".repeat(42)}${String(counter++).padStart(2, "0")}`;
  const encoded = encodeTenantId(tenant);
  const s = await openSession(key, { tenant });
  return { s, limit: maxPathBytesFor(encoded), encoded };
}

/** A path of exactly `bytes` bytes of UTF-8, in segments under 255 bytes, starting with `dir/`. */
function pathOf(dir: string, bytes: number, fill = "x"): string {
  let path = dir;
  while (path.length < bytes) {
    const room = bytes - path.length - 1;
    path += `/${fill.repeat(Math.min(200, room))}`;
  }
  return path;
}

const utf8 = (text: string) => new TextEncoder().encode(text).length;

describe("key-length budget for a long non-ASCII tenant id", () => {
  it("computes the limit from the tenant's own prefix and the trash marker key", async () => {
    const { limit, encoded } = await longTenant();
    expect(encoded.length).toBe(126 * 3 + 2);
    // trash/<tenant>/<trash id>/<path>/ must fit in 1,024 bytes.
    expect("trash/".length + encoded.length + 1 + MAX_TRASH_ID_LENGTH + 1 + limit + 1).toBe(MAX_KEY_BYTES);
    expect(limit).toBe(611);
    // An ASCII tenant keeps the general 700-byte limit.
    expect(maxPathBytesFor(encodeTenantId("alice"))).toBe(700);
  });

  it("writes, deletes to the trash and restores a file at the limit", async () => {
    const { s, limit, encoded } = await longTenant();
    const path = pathOf("docs", limit);
    expect(utf8(path)).toBe(limit);
    const written = await callTool(s.client, "write_file", { path, content: "at the limit" });
    expect(written.isError).toBeFalsy();
    const deleted = await callTool(s.client, "delete_file", { path });
    expect(deleted.isError).toBeFalsy();
    const { trashId } = deleted.structuredContent as { trashId: string };
    expect(await env.FILES.head(`trash/${encoded}/${trashId}/${path}`)).not.toBeNull();
    const restored = await callTool(s.client, "restore_file", { trashId });
    expect(restored.isError).toBeFalsy();
    expect(await (await env.FILES.get(`files/${encoded}/${path}`))?.text()).toBe("at the limit");
  });

  it("deletes a directory with a file at the limit (its marker's trash key is the longest) and restores it", async () => {
    const { s, limit } = await longTenant();
    const file = pathOf("tree", limit);
    expect((await callTool(s.client, "write_file", { path: file, content: "deep" })).isError).toBeFalsy();
    expect((await callTool(s.client, "create_directory", { path: pathOf("tree", limit, "y") })).isError).toBeFalsy();
    const deleted = await callTool(s.client, "delete_file", { path: "tree", recursive: true });
    expect(deleted.isError).toBeFalsy();
    const { trashId } = deleted.structuredContent as { trashId: string };
    expect((await callTool(s.client, "restore_file", { trashId })).isError).toBeFalsy();
    expect(errorCodeOf(await callTool(s.client, "get_file_info", { path: file }))).toBeUndefined();
  });

  it("refuses a path one byte over the limit with invalid_path naming the limit, for every tool, never a 503", async () => {
    const { s, limit } = await longTenant();
    const over = pathOf("docs", limit + 1);
    expect(utf8(`${pathOf("docs", limit).slice(0, -1)}é`)).toBe(limit + 1);
    // One "é" (two bytes) in place of an "x": one byte over.
    const nonAscii = `${pathOf("docs", limit).slice(0, -1)}é`;
    const ok = pathOf("ok", 10);
    await callTool(s.client, "write_file", { path: ok, content: "x" });
    const calls: [string, Record<string, unknown>][] = [
      ["write_file", { path: over, content: "x" }],
      ["write_file", { path: nonAscii, content: "x" }],
      ["create_directory", { path: over }],
      ["move_file", { source: ok, destination: over }],
      ["copy_file", { source: ok, destination: over }],
      ["read_text_file", { path: over }],
      ["delete_file", { path: over }],
    ];
    for (const [tool, args] of calls) {
      const result = await callTool(s.client, tool, args);
      expect(errorCodeOf(result), tool).toBe("invalid_path");
      expect(textOf(result), tool).toContain(`at most ${limit} bytes of UTF-8 for your account`);
    }
    // Nothing moved, nothing written.
    expect(errorCodeOf(await callTool(s.client, "get_file_info", { path: ok }))).toBeUndefined();
  });

  it("refuses a restore to a destination over the limit, and the entry stays in the trash", async () => {
    const { s, limit } = await longTenant();
    await callTool(s.client, "write_file", { path: "r.txt", content: "r" });
    const { trashId } = (await callTool(s.client, "delete_file", { path: "r.txt" })).structuredContent as {
      trashId: string;
    };
    const refused = await callTool(s.client, "restore_file", { trashId, destination: pathOf("back", limit + 1) });
    expect(errorCodeOf(refused)).toBe("invalid_path");
    const trash = (await callTool(s.client, "list_trash", {})).structuredContent as { items: { trashId: string }[] };
    expect(trash.items.map((item) => item.trashId)).toContain(trashId);
  });

  it("refuses a directory move whose deepest target would pass the limit, before moving anything", async () => {
    const { s, limit } = await longTenant();
    // The file's path is at the limit; moving its directory under a longer name would push it over.
    const file = pathOf("m", limit);
    expect((await callTool(s.client, "write_file", { path: file, content: "stay" })).isError).toBeFalsy();
    const refused = await callTool(s.client, "move_file", { source: "m", destination: "mm" });
    expect(errorCodeOf(refused)).toBe("invalid_path");
    expect(textOf(refused)).toContain(`at most ${limit} bytes`);
    expect(errorCodeOf(await callTool(s.client, "get_file_info", { path: file }))).toBeUndefined();
    expect(errorCodeOf(await callTool(s.client, "get_file_info", { path: "mm" }))).toBe("not_found");
  });
});
