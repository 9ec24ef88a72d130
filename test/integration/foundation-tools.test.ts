/**
 * Directory semantics over flat R2 (explicit markers and implied prefixes), conditional writes, size
 * caps, range reads for head/tail and listing pages, through the real SDK client.
 */
import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_TEXT_READ_BYTES, MAX_WRITE_BYTES } from "../../src/files/limits";
import { faultyBucket } from "../support/faulty-bucket";
import { createTestKey, type TestKey } from "../support/keys";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv } from "../support/worker";

let key: TestKey;
let client: Client;
const PREFIX = "files/semantics/";

beforeAll(async () => {
  key = await createTestKey("sem");
  client = await connectClient(makeEnv(key), await mintToken({ key, claims: { sub: "semantics" } }));
});

describe("directory semantics", () => {
  it("creates parents implicitly on write and lists implied directories", async () => {
    await callTool(client, "write_file", { path: "deep/er/file.txt", content: "x" });
    expect(textOf(await callTool(client, "list_directory", { path: "deep" }))).toBe("[DIR] er");
    expect((await callTool(client, "get_file_info", { path: "deep/er" })).structuredContent).toMatchObject({
      type: "directory",
      size: 0,
    });
  });

  it("create_directory makes an explicit, empty, listable directory and is idempotent", async () => {
    expect(textOf(await callTool(client, "create_directory", { path: "made/here" }))).toContain("Successfully created");
    expect(await env.FILES.head(`${PREFIX}made/here/`)).not.toBeNull();
    expect(textOf(await callTool(client, "list_directory", { path: "made/here" }))).toBe("(/made/here is empty)");
    expect(textOf(await callTool(client, "create_directory", { path: "made/here" }))).toContain("already exists");
    expect(textOf(await callTool(client, "list_directory", { path: "made" }))).toBe("[DIR] here");
  });

  it("never lets a path be both a file and a directory", async () => {
    await callTool(client, "write_file", { path: "plain.txt", content: "x" });
    expect(errorCodeOf(await callTool(client, "write_file", { path: "plain.txt/child.txt", content: "x" }))).toBe(
      "not_a_directory",
    );
    expect(errorCodeOf(await callTool(client, "create_directory", { path: "plain.txt" }))).toBe("not_a_directory");
    expect(errorCodeOf(await callTool(client, "create_directory", { path: "plain.txt/sub" }))).toBe("not_a_directory");
    await callTool(client, "create_directory", { path: "adir" });
    expect(errorCodeOf(await callTool(client, "write_file", { path: "adir", content: "x" }))).toBe("not_a_file");
    expect(await env.FILES.head(`${PREFIX}plain.txt/child.txt`)).toBeNull();
    expect(await env.FILES.head(`${PREFIX}adir`)).toBeNull();
  });

  it("names the precise problem for missing paths and wrong types", async () => {
    expect(errorCodeOf(await callTool(client, "list_directory", { path: "nowhere" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(client, "list_directory", { path: "plain.txt" }))).toBe("not_a_directory");
    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "deep" }))).toBe("not_a_file");
    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "/" }))).toBe("invalid_path");
    expect(errorCodeOf(await callTool(client, "get_file_info", { path: "nowhere" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(client, "delete_file", { path: "deep" }))).toBe("not_a_file");
  });

  it("reports the single root", async () => {
    const result = await callTool(client, "list_allowed_directories", {});
    expect(textOf(result)).toBe("Allowed directories:\n/");
    expect(result.structuredContent).toEqual({ directories: ["/"] });
  });
});

describe("conditional writes", () => {
  it("writes over the version it read with ifMatch, and refuses a stale etag without writing", async () => {
    const first = await callTool(client, "write_file", { path: "cond.txt", content: "v1" });
    const etag1 = (first.structuredContent as { file: { etag: string } }).file.etag;
    const second = await callTool(client, "write_file", { path: "cond.txt", content: "v2", ifMatch: `"${etag1}"` });
    expect(second.isError).toBeFalsy();
    const stale = await callTool(client, "write_file", { path: "cond.txt", content: "v3", ifMatch: etag1 });
    expect(errorCodeOf(stale)).toBe("conflict");
    expect(await (await env.FILES.get(`${PREFIX}cond.txt`))?.text()).toBe("v2");
    expect(
      errorCodeOf(await callTool(client, "write_file", { path: "missing.txt", content: "x", ifMatch: etag1 })),
    ).toBe("conflict");
    expect(await env.FILES.head(`${PREFIX}missing.txt`)).toBeNull();
  });

  it("create-only writes never clobber, and exactly one of many parallel creators wins", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callTool(client, "write_file", { path: "race.txt", content: `writer ${i}`, ifNoneMatch: "*" }),
      ),
    );
    const winners = results.filter((r) => !r.isError);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => errorCodeOf(r) === "already_exists")).toHaveLength(7);
    const stored = await (await env.FILES.get(`${PREFIX}race.txt`))?.text();
    expect(textOf(winners[0]!)).toContain("Successfully wrote");
    expect(stored).toMatch(/^writer \d$/);
  });

  it("stores the content type the name implies", async () => {
    await callTool(client, "write_file", { path: "data.json", content: "{}" });
    await callTool(client, "write_file", { path: "main.ts", content: "export {}" });
    expect((await env.FILES.head(`${PREFIX}data.json`))?.httpMetadata?.contentType).toBe("application/json");
    expect((await env.FILES.head(`${PREFIX}main.ts`))?.httpMetadata?.contentType).toBe(
      "text/typescript; charset=utf-8",
    );
  });
});

describe("size caps and range reads", () => {
  it("refuses a write over the cap before storing anything", async () => {
    const bigEnv = makeEnv(key, { MAX_REQUEST_BYTES: String(8 * 1024 * 1024) });
    const bigClient = await connectClient(bigEnv, await mintToken({ key, claims: { sub: "semantics" } }));
    const result = await callTool(bigClient, "write_file", {
      path: "huge.txt",
      content: "z".repeat(MAX_WRITE_BYTES + 1),
    });
    expect(errorCodeOf(result)).toBe("too_large");
    expect(await env.FILES.head(`${PREFIX}huge.txt`)).toBeNull();
  });

  it("reads head and tail of a file too large to read whole, fetching only what it needs", async () => {
    const line = (i: number) => `line ${String(i).padStart(7, "0")} ${"é".repeat(20)}`;
    const lines = Array.from({ length: 120_000 }, (_, i) => line(i));
    await env.FILES.put(`${PREFIX}big.log`, `${lines.join("\n")}\n`);
    const size = (await env.FILES.head(`${PREFIX}big.log`))!.size;
    expect(size).toBeGreaterThan(MAX_TEXT_READ_BYTES);

    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "big.log" }))).toBe("too_large");

    const bucket = faultyBucket(env.FILES, {});
    const spying = await connectClient(
      makeEnv(key, { FILES: bucket }),
      await mintToken({ key, claims: { sub: "semantics" } }),
    );
    expect(textOf(await callTool(spying, "read_text_file", { path: "big.log", head: 3 }))).toBe(
      lines.slice(0, 3).join("\n"),
    );
    expect(textOf(await callTool(spying, "read_text_file", { path: "big.log", tail: 2 }))).toBe(
      lines.slice(-2).join("\n"),
    );
    // Tail across several suffix windows (64 KiB, then 256 KiB) still ends exactly at the last line.
    expect(textOf(await callTool(spying, "read_text_file", { path: "big.log", tail: 3000 }))).toBe(
      lines.slice(-3000).join("\n"),
    );
    // Each of the three calls: one get that learns the size (its body cancelled unread), then range
    // reads, at most four in all; no head or list.
    expect(bucket.calls.get).toBeLessThanOrEqual(3 + 4);
    expect(bucket.calls.head).toBeUndefined();
    expect(bucket.calls.list).toBeUndefined();
  });

  it("refuses binary content as text and points at read_media_file", async () => {
    await env.FILES.put(`${PREFIX}blob.bin`, new Uint8Array([0xff, 0xfe, 0x00, 0x80]));
    const result = await callTool(client, "read_text_file", { path: "blob.bin" });
    expect(errorCodeOf(result)).toBe("not_text");
    expect(textOf(result)).toContain("read_media_file");
    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "blob.bin", head: 1 }))).toBe("not_text");
  });
});

describe("listing pages", () => {
  it("pages a directory of 2,100 entries with cursors, losing and repeating nothing", async () => {
    const names = Array.from({ length: 2_100 }, (_, i) => `f${String(i).padStart(5, "0")}.txt`);
    for (let i = 0; i < names.length; i += 100) {
      await Promise.all(names.slice(i, i + 100).map((name) => env.FILES.put(`${PREFIX}many/${name}`, "")));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await callTool(client, "list_directory", { path: "many", ...(cursor ? { cursor } : {}) });
      const page = result.structuredContent as { entries: { name: string }[]; nextCursor?: string };
      seen.push(...page.entries.map((e) => e.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  }, 60_000);

  it("refuses a cursor it did not issue, or one issued for another directory", async () => {
    expect(errorCodeOf(await callTool(client, "list_directory", { path: "many", cursor: "forged-cursor" }))).toBe(
      "invalid_arguments",
    );
    const first = await callTool(client, "list_directory", { path: "many" });
    const cursor = (first.structuredContent as { nextCursor: string }).nextCursor;
    await callTool(client, "create_directory", { path: "other" });
    expect(errorCodeOf(await callTool(client, "list_directory", { path: "other", cursor }))).toBe("invalid_arguments");
  });
});
