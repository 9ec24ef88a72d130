/** Paged line reads over a stream of arbitrary chunk boundaries: numbering, totals, byte caps. */
import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import { readLineRange } from "../../../src/files/line-range";

function streamOf(text: string | Uint8Array, chunk = 3): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function range(
  text: string,
  offset: number,
  limit?: number,
  options: { maxBytes?: number; countBytes?: number; chunk?: number } = {},
) {
  const size = new TextEncoder().encode(text).byteLength;
  return readLineRange(
    streamOf(text, options.chunk ?? 3),
    { offset, limit, size },
    { maxBytes: options.maxBytes ?? 1 << 20, countBytes: options.countBytes ?? 1 << 20 },
    "/f.txt",
  );
}

describe("readLineRange", () => {
  const text = "one\ntwo\nthree\nfour\nfive\n";

  it("returns the window with the total, whatever the chunk size", async () => {
    for (const chunk of [1, 2, 3, 7, 100]) {
      expect(await range(text, 1, 2, { chunk })).toMatchObject({
        text: "two\nthree",
        lines: 2,
        total: 5,
        nextOffset: 3,
      });
    }
    expect(await range(text, 0)).toMatchObject({
      text: "one\ntwo\nthree\nfour\nfive",
      lines: 5,
      total: 5,
      nextOffset: undefined,
    });
    expect(await range(text, 3, 10)).toMatchObject({ text: "four\nfive", lines: 2, total: 5, nextOffset: undefined });
  });

  it("counts a last line without a newline, and reports offsets past the end", async () => {
    expect(await range("a\nb\nc", 2, 5)).toMatchObject({ text: "c", lines: 1, total: 3, nextOffset: undefined });
    expect(await range("a\nb\nc", 9, 5)).toMatchObject({ text: "", lines: 0, total: 3, nextOffset: undefined });
    expect(await range("", 0, 5)).toMatchObject({ text: "", lines: 0, total: 0 });
  });

  it("decodes multi-byte characters split across chunks", async () => {
    expect(await range("é\nüñï\n€\n", 1, 1, { chunk: 1 })).toMatchObject({ text: "üñï", total: 3 });
  });

  it("stops at the byte cap on a line boundary and says where to go on", async () => {
    const result = await range("aaaa\nbbbb\ncccc\n", 0, undefined, { maxBytes: 12 });
    expect(result).toMatchObject({ text: "aaaa\nbbbb", lines: 2, cutByBytes: true, nextOffset: 2, total: undefined });
    await expect(range("aaaaaaaaaaaaaaaa\nb\n", 0, 1, { maxBytes: 8 })).rejects.toBeInstanceOf(ToolError);
  });

  it("leaves the total unknown rather than stream a long tail", async () => {
    const long = `${"x\n".repeat(1000)}`;
    expect(await range(long, 0, 2, { countBytes: 100 })).toMatchObject({ lines: 2, total: undefined, nextOffset: 2 });
    expect(await range(long, 0, 2, { countBytes: 10_000 })).toMatchObject({ lines: 2, total: 1000, nextOffset: 2 });
  });

  it("refuses bytes that are not UTF-8 inside the window only", async () => {
    const bytes = new Uint8Array([0xff, 0x0a, 0x41, 0x0a]);
    const ok = await readLineRange(
      streamOf(bytes),
      { offset: 1, limit: 1, size: 4 },
      { maxBytes: 100, countBytes: 100 },
      "/b",
    );
    expect(ok.text).toBe("A");
    await expect(
      readLineRange(streamOf(bytes), { offset: 0, limit: 1, size: 4 }, { maxBytes: 100, countBytes: 100 }, "/b"),
    ).rejects.toMatchObject({ code: "not_text" });
  });
});
