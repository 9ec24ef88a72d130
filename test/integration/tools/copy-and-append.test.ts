/**
 * copy_file and append_file through the SDK client: what is copied (bytes, types, directory markers),
 * that nothing is ever overwritten, verification with an R2 fault part-way (retry converges), and 20
 * concurrent appends that all land exactly once.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { faultyBucket } from "../../support/faulty-bucket";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf } from "../../support/mcp-client";
import { openSession, reopen } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("copy-append");
});

type CopyOut = { source: string; destination: string; type: string; objects: number; resumed: number };

describe("copy_file", () => {
  it("copies a file with its bytes and content type, leaving the source", async () => {
    const s = await openSession(key);
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await env.FILES.put(`files/${s.tenant}/a/pic.png`, bytes, { httpMetadata: { contentType: "image/png" } });
    const result = await callTool(s.client, "copy_file", { source: "a/pic.png", destination: "b/copy.png" });
    expect(result.structuredContent).toEqual({
      source: "/a/pic.png",
      destination: "/b/copy.png",
      type: "file",
      objects: 1,
      resumed: 0,
    });
    const copy = await env.FILES.get(`files/${s.tenant}/b/copy.png`);
    expect(new Uint8Array(await copy!.arrayBuffer())).toEqual(bytes);
    expect(copy!.httpMetadata?.contentType).toBe("image/png");
    expect(await s.keys("files")).toEqual(["a/pic.png", "b/copy.png"]);
  });

  it("copies a directory with empty subdirectories; the source stays as it was", async () => {
    const s = await openSession(key);
    await s.seed({ "src/a.txt": "alpha", "src/deep/b.txt": "beta" });
    await callTool(s.client, "create_directory", { path: "src/empty" });
    const result = await callTool(s.client, "copy_file", { source: "src", destination: "dst/inner" });
    expect(result.structuredContent).toMatchObject({ type: "directory", objects: 3, resumed: 0 });
    expect(await s.keys("files")).toEqual([
      "dst/inner/a.txt",
      "dst/inner/deep/b.txt",
      "dst/inner/empty/",
      "src/a.txt",
      "src/deep/b.txt",
      "src/empty/",
    ]);
    expect(await s.read("dst/inner/deep/b.txt")).toBe("beta");
  });

  it("never overwrites: an existing file or directory destination is refused and nothing changes", async () => {
    const s = await openSession(key);
    await s.seed({ "a.txt": "new", "b.txt": "old", "dir/x.txt": "x", "taken/y.txt": "y" });
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "a.txt", destination: "b.txt" }))).toBe(
      "already_exists",
    );
    expect(await s.read("b.txt")).toBe("old");
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "dir", destination: "taken" }))).toBe(
      "already_exists",
    );
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "dir", destination: "dir/sub" }))).toBe(
      "invalid_arguments",
    );
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "nope", destination: "x" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "a.txt", destination: "b.txt/c" }))).toBe(
      "not_a_directory",
    );
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "../x", destination: "y" }))).toBe(
      "invalid_path",
    );
    expect(await s.keys("files")).toEqual(["a.txt", "b.txt", "dir/x.txt", "taken/y.txt"]);
  });

  it("an R2 failure part-way loses nothing, and calling again finishes the copy", async () => {
    const s = await openSession(key);
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`src/f${i}.txt`, `content ${i}`]));
    await s.seed(files);
    const faulty = await reopen(key, s, faultyBucket(env.FILES, { failNth: { put: 6 } }));
    // An outage is a JSON-RPC -32603 (HTTP 503), never a tool result.
    await expect(
      faulty.callTool({ name: "copy_file", arguments: { source: "src", destination: "dst" } }),
    ).rejects.toMatchObject({ code: 503 });
    const partial = (await s.keys("files")).filter((k) => k.startsWith("dst/"));
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(12);
    const retry = await callTool(s.client, "copy_file", { source: "src", destination: "dst" });
    expect(retry.structuredContent).toMatchObject({ type: "directory", objects: 12 });
    expect((retry.structuredContent as CopyOut).resumed).toBe(partial.length);
    for (const [path, body] of Object.entries(files)) {
      expect(await s.read(path)).toBe(body);
      expect(await s.read(path.replace("src/", "dst/"))).toBe(body);
    }
  }, 30_000);
});

describe("append_file", () => {
  it("creates a missing file (and its parents), then appends exactly what is given", async () => {
    const s = await openSession(key);
    const first = await callTool(s.client, "append_file", { path: "logs/app.log", content: "one\n" });
    expect(first.structuredContent).toMatchObject({ created: true, file: { size: 4 } });
    const second = await callTool(s.client, "append_file", { path: "logs/app.log", content: "twö\n" });
    expect(second.structuredContent).toMatchObject({ created: false, file: { size: 9 } });
    expect(await s.read("logs/app.log")).toBe("one\ntwö\n");
    const stored = await env.FILES.head(`files/${s.tenant}/logs/app.log`);
    expect(stored?.httpMetadata?.contentType).toBe("text/plain; charset=utf-8");
  });

  it("keeps the existing content type and refuses directories, files as parents and empty text", async () => {
    const s = await openSession(key);
    await env.FILES.put(`files/${s.tenant}/data.csv`, "a,b\n", { httpMetadata: { contentType: "text/csv" } });
    await s.seed({ "dir/x.txt": "x" });
    await callTool(s.client, "append_file", { path: "data.csv", content: "1,2\n" });
    expect((await env.FILES.head(`files/${s.tenant}/data.csv`))?.httpMetadata?.contentType).toBe("text/csv");
    expect(await s.read("data.csv")).toBe("a,b\n1,2\n");
    expect(errorCodeOf(await callTool(s.client, "append_file", { path: "dir", content: "x" }))).toBe("not_a_file");
    expect(errorCodeOf(await callTool(s.client, "append_file", { path: "data.csv/x", content: "x" }))).toBe(
      "not_a_directory",
    );
    expect(errorCodeOf(await callTool(s.client, "append_file", { path: "data.csv", content: "" }))).toBe(
      "invalid_arguments",
    );
    expect(await s.keys("files")).toEqual(["data.csv", "dir/x.txt"]);
  });

  it("20 concurrent appends all land, each exactly once", async () => {
    const s = await openSession(key);
    await s.seed({ "journal.txt": "start\n" });
    const lines = Array.from({ length: 20 }, (_, i) => `entry ${String(i).padStart(2, "0")}\n`);
    const results = await Promise.all(
      lines.map((content) => callTool(s.client, "append_file", { path: "journal.txt", content })),
    );
    for (const result of results) expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    const text = (await s.read("journal.txt"))!;
    expect(text.startsWith("start\n")).toBe(true);
    const got = text.slice("start\n".length).match(/entry \d\d\n/g)!;
    expect(got.length).toBe(20);
    expect([...got].sort()).toEqual(lines);
    expect(text.length).toBe("start\n".length + lines.join("").length);
    // Twenty appends creating the same new file: exactly one creates it, all land.
    const created = await Promise.all(
      lines.map((content) => callTool(s.client, "append_file", { path: "fresh.txt", content })),
    );
    expect(created.filter((r) => (r.structuredContent as { created: boolean }).created)).toHaveLength(1);
    expect([...(await s.read("fresh.txt"))!.match(/entry \d\d\n/g)!].sort()).toEqual(lines);
  }, 60_000);
});
