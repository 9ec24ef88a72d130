/**
 * search_file_contents through the SDK client: literal and RE2 searches, case, glob, context, paging
 * with cursors (mid-file and across files, nothing lost or repeated), a pathological regular expression
 * answered in linear time, refusals that never echo the pattern, and tenant isolation.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_CONTENT_SCAN_BYTES } from "../../../src/files/limits";
import { MAX_REGEX_PROGRAM_SIZE, REGEX_WORK_BUDGET } from "../../../src/files/line-matcher";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("grep");
});

type Match = { path: string; line: number; text: string; before?: string[]; after?: string[] };
type SearchOut = {
  matches: Match[];
  filesSearched: number;
  bytesScanned: number;
  skipped: { path: string; reason: string }[];
  truncated: boolean;
  truncatedBy?: string;
  nextCursor?: string;
};

const out = (result: { structuredContent?: unknown }) => result.structuredContent as SearchOut;

describe("search_file_contents", () => {
  it("finds literal text with file, line number and line; case and glob filter", async () => {
    const s = await openSession(key);
    await s.seed({
      "src/a.ts": "import x\nconst TODO = 1\n// todo: later\n",
      "src/deep/b.ts": "nothing\nTODO here\n",
      "notes.md": "TODO in markdown\n",
      "bin/blob.dat": new Uint8Array([0x54, 0x4f, 0x44, 0x4f, 0, 1, 2]),
    });
    const all = await callTool(s.client, "search_file_contents", { pattern: "TODO" });
    expect(out(all).matches).toEqual([
      { path: "/notes.md", line: 1, text: "TODO in markdown" },
      { path: "/src/a.ts", line: 2, text: "const TODO = 1" },
      { path: "/src/deep/b.ts", line: 2, text: "TODO here" },
    ]);
    expect(out(all).skipped).toEqual([{ path: "/bin/blob.dat", reason: "not_text" }]);
    expect(textOf(all)).toContain("/src/a.ts:2:const TODO = 1");
    const folded = await callTool(s.client, "search_file_contents", {
      path: "src",
      pattern: "todo",
      caseSensitive: false,
      glob: "*.ts",
    });
    expect(out(folded).matches.map((m) => `${m.path}:${m.line}`)).toEqual([
      "/src/a.ts:2",
      "/src/a.ts:3",
      "/src/deep/b.ts:2",
    ]);
    const one = await callTool(s.client, "search_file_contents", { path: "src/a.ts", pattern: "import" });
    expect(out(one).matches).toEqual([{ path: "/src/a.ts", line: 1, text: "import x" }]);
    const none = await callTool(s.client, "search_file_contents", { pattern: "absent" });
    expect(textOf(none)).toContain("No matches found");
    // The pattern is literal by default: regex metacharacters match themselves.
    await s.seed({ "re.txt": "a.c\nabc\n" });
    const literal = await callTool(s.client, "search_file_contents", { path: "re.txt", pattern: "a.c" });
    expect(out(literal).matches.map((m) => m.text)).toEqual(["a.c"]);
  });

  it("runs RE2 regular expressions, with context lines", async () => {
    const s = await openSession(key);
    await s.seed({ "log.txt": "start\nERROR 500 at /x\nok\nok\nwarn 404\nend\n" });
    const result = await callTool(s.client, "search_file_contents", {
      pattern: "(ERROR|warn) [45]\\d\\d",
      regex: true,
      contextLines: 1,
    });
    expect(out(result).matches).toEqual([
      { path: "/log.txt", line: 2, text: "ERROR 500 at /x", before: ["start"], after: ["ok"] },
      { path: "/log.txt", line: 5, text: "warn 404", before: ["ok"], after: ["end"] },
    ]);
    expect(textOf(result)).toContain("/log.txt-1-start\n/log.txt:2:ERROR 500 at /x\n/log.txt-3-ok\n--");
  });

  it("answers a catastrophic-backtracking pattern in linear time, and refuses what RE2 cannot run", async () => {
    const s = await openSession(key);
    // With a backtracking engine this line would take longer than the universe's age.
    await s.seed({ "evil.txt": `${"a".repeat(60_000)}!\n${"a".repeat(50)}\n` });
    const result = await callTool(s.client, "search_file_contents", { pattern: "(a+)+$", regex: true });
    expect(result.isError).toBeFalsy();
    expect(out(result).matches.map((m) => m.line)).toEqual([2]);
    for (const pattern of ["(?=a)b", "(a)\\1", "a{2000}", "(unclosed"]) {
      const refused = await callTool(s.client, "search_file_contents", { pattern, regex: true });
      expect(errorCodeOf(refused)).toBe("invalid_arguments");
      expect(textOf(refused)).not.toContain(pattern);
    }
    expect(errorCodeOf(await callTool(s.client, "search_file_contents", { pattern: "" }))).toBe("invalid_arguments");
  }, 30_000);

  it("pages by maxMatches with a cursor, mid-file and across files, losing and repeating nothing", async () => {
    const s = await openSession(key);
    const files: Record<string, string> = {};
    for (let f = 0; f < 7; f++) {
      files[`d/f${f}.txt`] = Array.from({ length: 9 }, (_, i) => (i % 2 === 0 ? `hit ${f}.${i}` : "miss")).join("\n");
    }
    await s.seed(files);
    const expected = Object.keys(files)
      .sort()
      .flatMap((path) => [1, 3, 5, 7, 9].map((line) => `/${path}:${line}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = out(
        await callTool(s.client, "search_file_contents", {
          path: "d",
          pattern: "hit",
          maxMatches: 4,
          ...(cursor ? { cursor } : {}),
        }),
      );
      calls++;
      expect(page.matches.length).toBeLessThanOrEqual(4);
      seen.push(...page.matches.map((m) => `${m.path}:${m.line}`));
      cursor = page.nextCursor;
      if (cursor) expect(page).toMatchObject({ truncated: true, truncatedBy: "matches" });
    } while (cursor);
    expect(seen).toEqual(expected);
    expect(calls).toBe(Math.ceil(expected.length / 4));
  }, 30_000);

  it("stops after reading its byte budget and resumes inside the same file", async () => {
    const s = await openSession(key);
    const line = `${"z".repeat(99)}\n`;
    const lines = Math.ceil((MAX_CONTENT_SCAN_BYTES * 1.5) / line.length);
    await s.seed({ "big.txt": `${line.repeat(lines - 1)}needle\n` });
    const first = out(await callTool(s.client, "search_file_contents", { pattern: "needle" }));
    expect(first).toMatchObject({ matches: [], truncated: true, truncatedBy: "bytes" });
    expect(first.bytesScanned).toBeGreaterThanOrEqual(MAX_CONTENT_SCAN_BYTES);
    expect(first.bytesScanned).toBeLessThan(MAX_CONTENT_SCAN_BYTES * 1.1);
    const second = out(
      await callTool(s.client, "search_file_contents", { pattern: "needle", cursor: first.nextCursor }),
    );
    expect(second.matches).toEqual([{ path: "/big.txt", line: lines, text: "needle" }]);
    expect(second.truncated).toBe(false);
    // Bytes read past the stop (the rest of an R2 chunk) are read again on resume, never skipped.
    expect(first.bytesScanned + second.bytesScanned).toBeGreaterThanOrEqual(line.length * (lines - 1) + 7);
  }, 60_000);

  it("refuses forged cursors and never searches another tenant's files", async () => {
    const alice = await openSession(key);
    const bob = await openSession(key);
    await alice.seed({ "secret.txt": "alice-secret\n" });
    await bob.seed({ "mine.txt": "bob\n" });
    const found = await callTool(bob.client, "search_file_contents", { pattern: "alice-secret" });
    expect(out(found).matches).toEqual([]);
    expect(out(found).filesSearched).toBe(1);
    const forge = (json: unknown) => `c1.${btoa(JSON.stringify(json)).replace(/=+$/, "")}`;
    for (const cursor of [
      "garbage",
      forge({ f: "../x", o: 0, l: 1 }),
      forge({ f: `../../${alice.tenant}/secret.txt`, o: 0, l: 1 }),
      forge({ f: "mine.txt", o: -1, l: 1 }),
      forge({ a: "w1.nope" }),
    ]) {
      const refused = await callTool(bob.client, "search_file_contents", { pattern: "alice", cursor });
      expect(errorCodeOf(refused), cursor).toBe("invalid_arguments");
    }
    expect(errorCodeOf(await callTool(bob.client, "search_file_contents", { path: "nope", pattern: "x" }))).toBe(
      "not_found",
    );
  });
});

describe("search_file_contents: the regex work budget", () => {
  it("refuses a pattern over the program cap before reading anything, and accepts one at it", async () => {
    const s = await openSession(key);
    await s.seed({ "line.txt": `${"ab".repeat(300)}\n` });
    // The case: 95 alternatives of 999 repeats, about 95,000 instructions.
    const huge = Array.from({ length: 95 }, (_, i) => `[a${String.fromCharCode(0x410 + i)}]{999}`).join("|");
    const refused = await callTool(s.client, "search_file_contents", { pattern: huge, regex: true });
    expect(errorCodeOf(refused)).toBe("too_complex");
    expect(textOf(refused)).toContain("regex: false");
    expect(textOf(refused)).not.toContain(huge.slice(0, 20));
    // [ab]{n} compiles to n + 2 instructions: the cap exactly, then one more.
    const atCap = `[ab]{${MAX_REGEX_PROGRAM_SIZE - 2}}`;
    const accepted = await callTool(s.client, "search_file_contents", { pattern: atCap, regex: true });
    expect(accepted.isError).toBeFalsy();
    expect(out(accepted).matches.map((m) => m.line)).toEqual([1]);
    const over = `[ab]{${MAX_REGEX_PROGRAM_SIZE - 1}}`;
    const tooBig = await callTool(s.client, "search_file_contents", { pattern: over, regex: true });
    expect(errorCodeOf(tooBig)).toBe("too_complex");
    expect(textOf(tooBig)).toContain(`${MAX_REGEX_PROGRAM_SIZE} are allowed`);
  });

  it("stops when the budget runs out and resumes at the next line, losing and repeating nothing", async () => {
    const s = await openSession(key);
    // 99-character lines; every 7th matches. The pattern is about 100 instructions: 10,000 units a line.
    const line = (i: number) =>
      i % 7 === 0 ? `${"ab".repeat(49)}b` : `${"c".repeat(90)}${String(i).padStart(9, "0")}`;
    const lines = Array.from({ length: 60 }, (_, i) => line(i));
    await s.seed({ "budget/a.txt": `${lines.join("\n")}\n`, "budget/b.txt": `${lines.slice(0, 15).join("\n")}\n` });
    const pattern = "[ab]{98}b";
    const found: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const page = await callTool(s.client, "search_file_contents", {
        path: "budget",
        pattern,
        regex: true,
        ...(cursor ? { cursor } : {}),
      });
      const result = out(page);
      found.push(...result.matches.map((m) => `${m.path}:${m.line}`));
      if (result.truncated) {
        expect(result.truncatedBy).toBe("work");
        expect(textOf(page)).toContain("regex matching budget");
      }
      cursor = result.nextCursor;
      calls++;
    } while (cursor && calls < 50);
    const expected = [
      ...lines.flatMap((_, i) => (i % 7 === 0 ? [`/budget/a.txt:${i + 1}`] : [])),
      ...lines.slice(0, 15).flatMap((_, i) => (i % 7 === 0 ? [`/budget/b.txt:${i + 1}`] : [])),
    ];
    expect(found).toEqual(expected);
    // 75 lines × 100 characters × ~100 instructions: more than one call's budget, so it took several.
    expect(calls).toBeGreaterThanOrEqual(Math.ceil((75 * 100 * 100) / REGEX_WORK_BUDGET));
    expect(calls).toBeGreaterThan(1);
  });

  it("skips a file with a line longer than a regex may test, and says how to search it instead", async () => {
    const s = await openSession(key);
    // A program of about 500 instructions may test lines of at most 1,199 characters.
    await s.seed({ "long.txt": `short ab\n${"ab".repeat(700)}\n` });
    const result = await callTool(s.client, "search_file_contents", {
      pattern: `[ab]{${MAX_REGEX_PROGRAM_SIZE - 2}}`,
      regex: true,
    });
    expect(result.isError).toBeFalsy();
    expect(out(result).skipped).toEqual([{ path: "/long.txt", reason: "line_too_long" }]);
    expect(textOf(result)).toContain("literal search (regex: false)");
  });

  it("runs a pattern that is only literal text as a substring search, on lines a regex may not test", async () => {
    const s = await openSession(key);
    await s.seed({ "minified.js": `${"x".repeat(200_000)}needle${"y".repeat(10)}\nNEEDLE\n` });
    const plain = await callTool(s.client, "search_file_contents", { pattern: "needle", regex: true });
    expect(out(plain).matches.map((m) => m.line)).toEqual([1]);
    expect(out(plain).skipped).toEqual([]);
    const folded = await callTool(s.client, "search_file_contents", { pattern: "(?i)needle", regex: true });
    expect(out(folded).matches.map((m) => m.line)).toEqual([1, 2]);
    // A real regex on that 200,000-character line is refused the line, not run.
    const regex = await callTool(s.client, "search_file_contents", { pattern: "need+le", regex: true });
    expect(out(regex).skipped).toEqual([{ path: "/minified.js", reason: "line_too_long" }]);
  });
});
