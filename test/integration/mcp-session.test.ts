/**
 * A whole agent session through the real MCP SDK client: initialize, list tools, write, read, list,
 * inspect, delete. Asserts what is (and is not) in R2 afterwards.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv } from "../support/worker";

let key: TestKey;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("k1");
  workerEnv = makeEnv(key);
});

describe("an agent session over the SDK client", () => {
  it("initializes and lists every tool with accurate annotations and scopes", async () => {
    const client = await connectClient(workerEnv, await mintToken({ key }));
    expect(client.getServerVersion()?.name).toBe("r2-files-mcp");
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of [
      "read_text_file",
      "write_file",
      "list_directory",
      "create_directory",
      "get_file_info",
      "list_allowed_directories",
      "delete_file",
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    expect(byName.get("read_text_file")?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.get("delete_file")?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    expect(byName.get("delete_file")?.description).toContain("files:delete");
    expect(byName.get("write_file")?.inputSchema.required).toEqual(expect.arrayContaining(["path", "content"]));
  });

  it("writes, reads, lists, inspects and deletes a file", async () => {
    const client = await connectClient(workerEnv, await mintToken({ key, claims: { sub: "session-user" } }));
    const written = await callTool(client, "write_file", { path: "notes/todo.md", content: "one\ntwo\nthree\n" });
    expect(written.isError).toBeFalsy();
    const etag = (written.structuredContent as { file: { etag: string } }).file.etag;
    expect(etag).toMatch(/^[0-9a-f]{32}$/);

    expect(textOf(await callTool(client, "read_text_file", { path: "/notes/todo.md" }))).toBe("one\ntwo\nthree\n");
    expect(textOf(await callTool(client, "read_text_file", { path: "notes/todo.md", head: 2 }))).toBe("one\ntwo");
    expect(textOf(await callTool(client, "read_text_file", { path: "notes/todo.md", tail: 1 }))).toBe("three");

    expect(textOf(await callTool(client, "list_directory", { path: "/" }))).toBe("[DIR] notes");
    expect(textOf(await callTool(client, "list_directory", { path: "notes" }))).toBe("[FILE] todo.md");

    const info = await callTool(client, "get_file_info", { path: "notes/todo.md" });
    expect(info.structuredContent).toMatchObject({ type: "file", size: 14, etag, path: "/notes/todo.md" });

    const deleted = await callTool(client, "delete_file", { path: "notes/todo.md" });
    expect(deleted.isError).toBeFalsy();
    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "notes/todo.md" }))).toBe("not_found");
    // The directory survives its last file, and the file is in the trash, not gone.
    expect(textOf(await callTool(client, "list_directory", { path: "notes" }))).toBe("(/notes is empty)");
    const trash = await env.FILES.list({ prefix: "trash/session-user/" });
    expect(trash.objects).toHaveLength(1);
    expect(trash.objects[0]!.key).toMatch(/^trash\/session-user\/[0-9a-z]+-[0-9a-z]+\/notes\/todo\.md$/);
    expect(await env.FILES.head("files/session-user/notes/todo.md")).toBeNull();
  });
});
