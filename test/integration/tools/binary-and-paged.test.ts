/**
 * Binary writes (write_file encoding "base64") and paged reads (read_text_file offset/limit) through the
 * SDK client: a PNG round trip byte for byte, refusals that store nothing, caps on decoded bytes, and
 * every line of a file larger than the whole-read cap reached page by page.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../../src/files/base64";
import { MAX_TEXT_READ_BYTES, MAX_WRITE_BYTES } from "../../../src/files/limits";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("binary");
});

// A real 1×1 PNG (signature, IHDR, IDAT, IEND), with bytes that are not UTF-8.
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);

describe("write_file with encoding base64", () => {
  it("stores the exact bytes with the type the name implies, and read_media_file returns them", async () => {
    const s = await openSession(key);
    const written = await callTool(s.client, "write_file", {
      path: "img/dot.png",
      content: toBase64(PNG),
      encoding: "base64",
    });
    expect(written.isError).toBeFalsy();
    expect(written.structuredContent).toMatchObject({ file: { size: PNG.length } });
    const stored = await env.FILES.get(`files/${s.tenant}/img/dot.png`);
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(PNG);
    expect(stored!.httpMetadata?.contentType).toBe("image/png");
    const read = await callTool(s.client, "read_media_file", { path: "img/dot.png" });
    expect(read.content).toEqual([{ type: "image", data: toBase64(PNG), mimeType: "image/png" }]);
    // utf8 (the default) still stores the text itself, with a text type.
    await callTool(s.client, "write_file", { path: "notes.md", content: "hi" });
    const text = await env.FILES.get(`files/${s.tenant}/notes.md`);
    expect(await text!.text()).toBe("hi");
    expect(text!.httpMetadata?.contentType).toBe("text/markdown; charset=utf-8");
  });

  it("refuses invalid base64 clearly and writes nothing, not even over an existing file", async () => {
    const s = await openSession(key);
    await s.seed({ "keep.bin": "original" });
    for (const content of ["%%%not-base64%%%", "abcde", "QUJD=QUJD"]) {
      const result = await callTool(s.client, "write_file", { path: "keep.bin", content, encoding: "base64" });
      expect(errorCodeOf(result)).toBe("invalid_arguments");
      expect(textOf(result)).toContain("not valid base64");
      expect(textOf(result)).not.toContain(content);
      const fresh = await callTool(s.client, "write_file", { path: "new.bin", content, encoding: "base64" });
      expect(errorCodeOf(fresh)).toBe("invalid_arguments");
    }
    expect(await s.read("keep.bin")).toBe("original");
    expect(await s.keys("files")).toEqual(["keep.bin"]);
    const unknown = await callTool(s.client, "write_file", { path: "x", content: "eA==", encoding: "hex" });
    expect(errorCodeOf(unknown)).toBe("invalid_arguments");
  });

  it("applies the write cap to the decoded bytes", async () => {
    const s = await openSession(key);
    const exact = new Uint8Array(MAX_WRITE_BYTES).fill(7);
    // The base64 text is 4/3 the cap, yet decodes to exactly the cap: accepted.
    const ok = await callTool(s.client, "write_file", {
      path: "max.bin",
      content: toBase64(exact),
      encoding: "base64",
    });
    expect(ok.isError).toBeFalsy();
    expect((await env.FILES.head(`files/${s.tenant}/max.bin`))?.size).toBe(MAX_WRITE_BYTES);
    const over = await callTool(s.client, "write_file", {
      path: "over.bin",
      content: toBase64(new Uint8Array(MAX_WRITE_BYTES + 1)),
      encoding: "base64",
    });
    expect(errorCodeOf(over)).toBe("too_large");
    expect(over.isError).toBe(true);
    expect(await s.read("over.bin")).toBeNull();
  });
});

describe("read_text_file offset/limit", () => {
  it("pages through a file larger than the whole-read cap, every line exactly once", async () => {
    const s = await openSession(key);
    const line = (i: number) => `line ${String(i).padStart(7, "0")} ${"é".repeat(20)}`; // 53 bytes + newline
    const count = Math.ceil((MAX_TEXT_READ_BYTES * 1.5) / 54);
    const lines = Array.from({ length: count }, (_, i) => line(i + 1));
    await s.seed({ "big.log": `${lines.join("\n")}\n` });
    expect(errorCodeOf(await callTool(s.client, "read_text_file", { path: "big.log" }))).toBe("too_large");

    // Any page, near the end included, in one call.
    const tailPage = await callTool(s.client, "read_text_file", { path: "big.log", offset: count - 3, limit: 10 });
    expect((tailPage.content[0] as { text: string }).text).toBe(lines.slice(-3).join("\n"));
    expect((tailPage.content[1] as { text: string }).text).toBe(
      `[lines ${count - 2}-${count} of ${count}; end of file]`,
    );

    const page = await callTool(s.client, "read_text_file", { path: "big.log", offset: 1000, limit: 2 });
    expect((page.content[0] as { text: string }).text).toBe(`${line(1001)}\n${line(1002)}`);
    expect((page.content[1] as { text: string }).text).toMatch(/^\[lines 1001-1002 of \d+; more with offset 1002\]$/);

    // Pages without a limit stop at the byte cap on a line boundary and chain to the end.
    let offset = 0;
    let seen = 0;
    let calls = 0;
    for (;;) {
      const result = await callTool(s.client, "read_text_file", { path: "big.log", offset });
      calls++;
      const text = (result.content[0] as { text: string }).text;
      const got = text.split("\n");
      expect(got[0]).toBe(line(offset + 1));
      seen += got.length;
      const next = /more with offset (\d+)/.exec((result.content[1] as { text: string }).text);
      if (!next) break;
      offset = Number(next[1]);
      expect(offset).toBe(seen);
    }
    expect(seen).toBe(count);
    expect(calls).toBe(2);
  });

  it("refuses mixing head/tail with offset/limit, and reports offsets past the end", async () => {
    const s = await openSession(key);
    await s.seed({ "a.txt": "a\nb\nc" });
    const mixed = await callTool(s.client, "read_text_file", { path: "a.txt", head: 1, offset: 1 });
    expect(errorCodeOf(mixed)).toBe("invalid_arguments");
    const past = await callTool(s.client, "read_text_file", { path: "a.txt", offset: 10, limit: 1 });
    expect(past.content).toEqual([
      { type: "text", text: "" },
      { type: "text", text: "[no lines after line 10 of 3; end of file]" },
    ]);
    const negative = await callTool(s.client, "read_text_file", { path: "a.txt", offset: -1 });
    expect(errorCodeOf(negative)).toBe("invalid_arguments");
  });
});
