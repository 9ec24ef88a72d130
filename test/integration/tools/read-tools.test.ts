/**
 * Reading tools through the SDK client: read_media_file, read_multiple_files, list_directory_with_sizes,
 * get_file_info, and read_text_file's range reads on a file larger than the whole-read cap.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { recordingBucket } from "../../support/recording-bucket";
import { openSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("reads");
});

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

describe("read_media_file", () => {
  it("returns images and audio as base64 with their MIME type, other binary as a blob resource", async () => {
    const s = await openSession(key);
    await s.seed({
      "img/logo.png": PNG,
      "a/song.mp3": new Uint8Array([1, 2, 3]),
      "data.bin": new Uint8Array([0, 255, 7]),
      "x.json": '{"a":1}',
    });
    const image = await callTool(s.client, "read_media_file", { path: "img/logo.png" });
    expect(image.content).toEqual([{ type: "image", data: base64(PNG), mimeType: "image/png" }]);
    const audio = await callTool(s.client, "read_media_file", { path: "a/song.mp3" });
    expect(audio.content).toEqual([{ type: "audio", data: base64(new Uint8Array([1, 2, 3])), mimeType: "audio/mpeg" }]);
    const blob = await callTool(s.client, "read_media_file", { path: "data.bin" });
    expect(blob.content).toEqual([
      {
        type: "resource",
        resource: {
          uri: "r2-files:///data.bin",
          mimeType: "application/octet-stream",
          blob: base64(new Uint8Array([0, 255, 7])),
        },
      },
    ]);
    const json = await callTool(s.client, "read_media_file", { path: "x.json" });
    expect(json.content).toEqual([
      { type: "resource", resource: { uri: "r2-files:///x.json", mimeType: "application/json", text: '{"a":1}' } },
    ]);
  });

  it("refuses a missing file, a directory and a file over the cap", async () => {
    const s = await openSession(key);
    await s.seed({ "d/f.png": PNG, "huge.png": new Uint8Array(4 * 1024 * 1024 + 1) });
    expect(errorCodeOf(await callTool(s.client, "read_media_file", { path: "none.png" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "read_media_file", { path: "d" }))).toBe("not_a_file");
    const huge = await callTool(s.client, "read_media_file", { path: "huge.png" });
    expect(errorCodeOf(huge)).toBe("too_large");
    expect(textOf(huge)).toContain("4194304");
  });
});

describe("read_multiple_files", () => {
  it("returns one result per path; failures do not fail the others", async () => {
    const s = await openSession(key);
    await s.seed({ "a.txt": "alpha", "b/c.txt": "gamma", "bin.dat": new Uint8Array([0xff, 0xfe]) });
    const result = await callTool(s.client, "read_multiple_files", {
      paths: ["a.txt", "missing.txt", "b", "/b/c.txt", "../x", "bin.dat"],
    });
    expect(result.isError).toBeFalsy();
    const files = (
      result.structuredContent as { files: { path: string; content?: string; error?: { code: string } }[] }
    ).files;
    expect(files.map((f) => f.content ?? f.error?.code)).toEqual([
      "alpha",
      "not_found",
      "not_a_file",
      "gamma",
      "invalid_path",
      "not_text",
    ]);
    expect(files.map((f) => f.path)).toEqual(["/a.txt", "/missing.txt", "/b", "/b/c.txt", "paths[4]", "/bin.dat"]);
    expect(textOf(result)).toContain("/a.txt:\nalpha\n\n---\n/missing.txt: Error - [not_found]");
  });

  it("caps the bytes of all files together", async () => {
    const s = await openSession(key);
    const quarter = "x".repeat(256 * 1024);
    await s.seed({ "1.txt": quarter, "2.txt": quarter, "3.txt": quarter, "4.txt": quarter, "5.txt": "small" });
    const result = await callTool(s.client, "read_multiple_files", {
      paths: ["1.txt", "2.txt", "3.txt", "4.txt", "5.txt"],
    });
    const files = (result.structuredContent as { files: { content?: string; error?: { code: string } }[] }).files;
    // 1 MiB shared: the four 256 KiB files fit exactly; the fifth is refused, whatever order they finished in.
    expect(files.filter((f) => f.content !== undefined)).toHaveLength(4);
    expect(files.filter((f) => f.error?.code === "too_large")).toHaveLength(1);
  });

  it("refuses an empty list and more than 50 paths", async () => {
    const s = await openSession(key);
    expect(errorCodeOf(await callTool(s.client, "read_multiple_files", { paths: [] }))).toBe("invalid_arguments");
    expect(
      errorCodeOf(
        await callTool(s.client, "read_multiple_files", { paths: Array.from({ length: 51 }, (_, i) => `${i}`) }),
      ),
    ).toBe("invalid_arguments");
  });
});

describe("list_directory_with_sizes", () => {
  it("lists entries with sizes, sorts by name or size, and totals", async () => {
    const s = await openSession(key);
    await s.seed({ "small.txt": "ab", "big.txt": "x".repeat(2048), "sub/inner.txt": "zz" });
    const byName = await callTool(s.client, "list_directory_with_sizes", { path: "/" });
    const out = byName.structuredContent as {
      entries: { name: string }[];
      totalFiles: number;
      totalDirectories: number;
      totalSize: number;
    };
    expect(out.entries.map((e) => e.name)).toEqual(["big.txt", "small.txt", "sub"]);
    expect(out).toMatchObject({ totalFiles: 2, totalDirectories: 1, totalSize: 2050 });
    expect(textOf(byName)).toContain("[FILE] big.txt");
    expect(textOf(byName)).toContain("2.00 KB");
    expect(textOf(byName)).toContain("Total: 2 files, 1 directories\nCombined size: 2.00 KB");
    const bySize = await callTool(s.client, "list_directory_with_sizes", { path: "/", sortBy: "size" });
    expect((bySize.structuredContent as { entries: { name: string }[] }).entries.map((e) => e.name)).toEqual([
      "big.txt",
      "small.txt",
      "sub",
    ]);
  });

  it("refuses a file, a missing path and an unknown sortBy", async () => {
    const s = await openSession(key);
    await s.seed({ "f.txt": "x" });
    expect(errorCodeOf(await callTool(s.client, "list_directory_with_sizes", { path: "f.txt" }))).toBe(
      "not_a_directory",
    );
    expect(errorCodeOf(await callTool(s.client, "list_directory_with_sizes", { path: "nope" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "list_directory_with_sizes", { path: "/", sortBy: "date" }))).toBe(
      "invalid_arguments",
    );
  });
});

describe("get_file_info", () => {
  it("describes files, explicit and implied directories", async () => {
    const s = await openSession(key);
    await callTool(s.client, "write_file", { path: "docs/readme.md", content: "# hi" });
    await callTool(s.client, "create_directory", { path: "empty" });
    const file = await callTool(s.client, "get_file_info", { path: "docs/readme.md" });
    expect(file.structuredContent).toMatchObject({
      name: "readme.md",
      path: "/docs/readme.md",
      type: "file",
      size: 4,
      contentType: "text/markdown; charset=utf-8",
    });
    expect((file.structuredContent as { modified: string }).modified).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((file.structuredContent as { etag: string }).etag).toMatch(/^[0-9a-f]{32}$/);
    expect((await callTool(s.client, "get_file_info", { path: "docs" })).structuredContent).toMatchObject({
      type: "directory",
      size: 0,
    });
    expect((await callTool(s.client, "get_file_info", { path: "empty" })).structuredContent).toMatchObject({
      type: "directory",
    });
    expect(errorCodeOf(await callTool(s.client, "get_file_info", { path: "nope" }))).toBe("not_found");
  });
});

describe("read_text_file on a file larger than the whole-read cap", () => {
  it("reads head and tail with bounded R2 reads (tail is a suffix range)", async () => {
    const lines = `${Array.from({ length: 120_000 }, (_, i) => `line ${i} ${"p".repeat(40)}`).join("\n")}\n`;
    expect(lines.length).toBeGreaterThan(4 * 1024 * 1024);
    const bucket = recordingBucket(env.FILES);
    const s = await openSession(key, { bucket });
    await s.seed({ "big.log": lines });
    expect(errorCodeOf(await callTool(s.client, "read_text_file", { path: "big.log" }))).toBe("too_large");
    expect(textOf(await callTool(s.client, "read_text_file", { path: "big.log", head: 2 }))).toMatch(
      /^line 0 p+\nline 1 p+$/,
    );
    bucket.recorded.length = 0;
    expect(textOf(await callTool(s.client, "read_text_file", { path: "big.log", tail: 2 }))).toMatch(
      /^line 119998 p+\nline 119999 p+$/,
    );
    // The whole-read get learns the size (its body is cancelled unread), then one suffix range is read;
    // no head or list.
    expect(bucket.recorded.map((call) => call.method)).toEqual(["get", "get"]);
    expect(bucket.recorded[0]!.options).toBeUndefined();
    expect(bucket.recorded[1]!.options).toEqual({ range: { suffix: 64 * 1024 } });
  });
});

describe("read_text_file within the whole-read cap", () => {
  it("reads a file with one R2 get (no head, no list); a missing file and a directory keep their precise errors", async () => {
    const bucket = recordingBucket(env.FILES);
    const s = await openSession(key, { bucket });
    await s.seed({ "notes/a.txt": "alpha\nbeta\n" });
    // The first read may label the object (a conditional put); from then on a read is one get.
    expect(textOf(await callTool(s.client, "read_text_file", { path: "notes/a.txt" }))).toBe("alpha\nbeta\n");
    bucket.recorded.length = 0;
    expect(textOf(await callTool(s.client, "read_text_file", { path: "notes/a.txt" }))).toBe("alpha\nbeta\n");
    expect(textOf(await callTool(s.client, "read_text_file", { path: "notes/a.txt", head: 1 }))).toBe("alpha");
    expect(bucket.recorded.map((call) => call.method)).toEqual(["get", "get"]);
    expect(errorCodeOf(await callTool(s.client, "read_text_file", { path: "notes/missing.txt" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "read_text_file", { path: "notes" }))).toBe("not_a_file");
  });
});
