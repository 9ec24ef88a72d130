/** The per-file line scan of search_file_contents: numbering, context, stops and exact resume points. */
import { describe, expect, it } from "vitest";
import { type ScanOptions, scanContent } from "../../../src/files/content-scan";
import { compileLineMatcher } from "../../../src/files/line-matcher";

const encoder = new TextEncoder();

function streamOf(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

function scan(text: string | Uint8Array, options: Partial<ScanOptions> & { from?: number; chunk?: number } = {}) {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  const from = options.from ?? 0;
  return scanContent(streamOf(bytes.subarray(from), options.chunk ?? 4), {
    offset: from,
    line: 1,
    matches: compileLineMatcher("x", { regex: false, caseSensitive: true }).test,
    contextLines: 0,
    maxMatches: 100,
    byteBudget: 1 << 20,
    maxLineChars: 100,
    maxLineBytes: 1 << 20,
    size: bytes.length,
    ...options,
  });
}

const FILE = "a\nx1\nb\nc\nx2\nd\nx3";

describe("scanContent", () => {
  it("numbers lines from 1 and finds a last line without a newline", async () => {
    const result = await scan(FILE);
    expect(result.matches.map((m) => [m.line, m.text])).toEqual([
      [2, "x1"],
      [5, "x2"],
      [7, "x3"],
    ]);
    expect(result.resume).toBeUndefined();
  });

  it("adds context lines, including after a match at the stop", async () => {
    const result = await scan(FILE, { contextLines: 1, maxMatches: 2 });
    expect(result.matches).toEqual([
      { line: 2, text: "x1", before: ["a"], after: ["b"] },
      { line: 5, text: "x2", before: ["c"], after: ["d"] },
    ]);
    expect(result.stoppedBy).toBe("matches");
    // The resume point is right after the last tested line, so the context line is tested next time.
    expect(result.resume).toEqual({ offset: FILE.indexOf("d"), line: 6 });
  });

  it("resumes mid-file at the exact line, whatever the chunking", async () => {
    for (const chunk of [1, 3, 64]) {
      const first = await scan(FILE, { maxMatches: 1, chunk });
      expect(first.resume).toEqual({ offset: FILE.indexOf("b"), line: 3 });
      const rest = await scanContent(streamOf(encoder.encode(FILE).subarray(first.resume!.offset), chunk), {
        offset: first.resume!.offset,
        line: first.resume!.line,
        matches: compileLineMatcher("x", { regex: false, caseSensitive: true }).test,
        contextLines: 0,
        maxMatches: 100,
        byteBudget: 1 << 20,
        maxLineChars: 100,
        maxLineBytes: 1 << 20,
        size: FILE.length,
      });
      expect(rest.matches.map((m) => m.line)).toEqual([5, 7]);
    }
  });

  it("stops on the byte budget at a line boundary", async () => {
    const text = "x\n".repeat(100);
    const result = await scan(text, { byteBudget: 10, chunk: 4 });
    expect(result.stoppedBy).toBe("bytes");
    expect(result.resume!.offset % 2).toBe(0);
    expect(result.matches).toHaveLength(result.resume!.line - 1);
  });

  it("skips binary and non-UTF-8 files, and files with a line over the cap", async () => {
    expect((await scan(new Uint8Array([0x78, 0, 0x0a]))).skipped).toBe("not_text");
    expect((await scan(new Uint8Array([0x78, 0xff, 0x0a]))).skipped).toBe("not_text");
    expect((await scan("y".repeat(100), { maxLineBytes: 50 })).skipped).toBe("line_too_long");
  });

  it("stops before the line a work budget cannot pay for, and resumes exactly there", async () => {
    const text = "x1\nx2\nx3\nx4\nx5\n";
    for (const chunk of [1, 4, 64]) {
      // Each line costs its characters + 1 = 3 units: three lines fit in 10, the fourth is not tested.
      const result = await scan(text, { lineCost: (chars) => chars + 1, workBudget: 10, chunk });
      expect(result.matches.map((m) => m.line)).toEqual([1, 2, 3]);
      expect(result.work).toBe(9);
      expect(result.stoppedBy).toBe("work");
      expect(result.resume).toEqual({ offset: 9, line: 4 });
    }
    // With context, the untested line still shows as the last match's after-context.
    const withContext = await scan(text, { lineCost: (chars) => chars + 1, workBudget: 10, contextLines: 1 });
    expect(withContext.matches.at(-1)).toEqual({ line: 3, text: "x3", before: ["x2"], after: ["x4"] });
    expect(withContext.resume).toEqual({ offset: 9, line: 4 });
  });

  it("skips a file with a line longer than a matcher may test", async () => {
    expect((await scan("x\nxxxxxx\n", { maxTestChars: 5 })).skipped).toBe("line_too_long");
    expect((await scan("x\nxxxxx\n", { maxTestChars: 5 })).skipped).toBeUndefined();
  });

  it("cuts long lines in the answer, never in the test", async () => {
    const result = await scan(`${"y".repeat(300)}x`, { maxLineChars: 10 });
    expect(result.matches[0]!.text).toBe(`${"y".repeat(10)}…`);
  });
});

describe("scanContent at the end of a file", () => {
  it("a stop on the last line (no final newline) leaves nothing to resume", async () => {
    const result = await scan("x\nx", { maxMatches: 2 });
    expect(result.matches).toHaveLength(2);
    expect(result.resume).toBeUndefined();
  });
});
