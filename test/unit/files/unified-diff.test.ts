import { applyPatch } from "diff";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createUnifiedDiff, DIFF_CONTEXT_LINES, fenceDiff } from "../../../src/files/unified-diff";

const numbered = (count: number): string => Array.from({ length: count }, (_, i) => `line ${i + 1}\n`).join("");

describe("createUnifiedDiff", () => {
  it("writes git-style headers and hunks with three lines of context", () => {
    const before = numbered(12);
    const after = before.replace("line 6\n", "line six\n");
    expect(createUnifiedDiff("src/notes.txt", before, after)).toBe(
      [
        "diff --git a/src/notes.txt b/src/notes.txt",
        "--- a/src/notes.txt",
        "+++ b/src/notes.txt",
        "@@ -3,7 +3,7 @@",
        " line 3",
        " line 4",
        " line 5",
        "-line 6",
        "+line six",
        " line 7",
        " line 8",
        " line 9",
        "",
      ].join("\n"),
    );
    expect(DIFF_CONTEXT_LINES).toBe(3);
  });

  it("splits distant changes into separate hunks", () => {
    const before = numbered(30);
    const after = before.replace("line 2\n", "line two\n").replace("line 28\n", "line twenty-eight\n");
    const diff = createUnifiedDiff("a.txt", before, after);
    expect(diff.match(/^@@ /gm)).toHaveLength(2);
    expect(diff).toContain("@@ -1,5 +1,5 @@\n");
    expect(diff).toContain("@@ -25,6 +25,6 @@\n");
  });

  it("marks a missing newline at the end of the file", () => {
    const diff = createUnifiedDiff("a.txt", "a\nb\n", "a\nc");
    expect(diff).toBe(
      [
        "diff --git a/a.txt b/a.txt",
        "--- a/a.txt",
        "+++ b/a.txt",
        "@@ -1,2 +1,2 @@",
        " a",
        "-b",
        "+c",
        "\\ No newline at end of file",
        "",
      ].join("\n"),
    );
  });

  it("diffs CRLF text without carriage returns in the output", () => {
    const diff = createUnifiedDiff("w.txt", "a\r\nb\r\n", "a\r\nB\r\n");
    expect(diff).not.toContain("\r");
    expect(diff).toContain("-b\n+B\n");
  });

  it("is empty when nothing changed, or only line endings did", () => {
    expect(createUnifiedDiff("a.txt", "same\n", "same\n")).toBe("");
    expect(createUnifiedDiff("a.txt", "a\r\nb\r\n", "a\nb\n")).toBe("");
  });

  it("quotes unusual paths the way git does", () => {
    expect(createUnifiedDiff("na\u00efve.md", "a\n", "b\n").split("\n")[0]).toBe(
      'diff --git "a/na\\303\\257ve.md" "b/na\\303\\257ve.md"',
    );
  });

  it("summarises instead of diffing when jsdiff gives up at maxEditLength", () => {
    const before = numbered(50);
    const after = before.toUpperCase();
    const diff = createUnifiedDiff("big.txt", before, after, { maxEditLength: 10 });
    const [header, summary, rest] = diff.split("\n");
    expect(header).toBe("diff --git a/big.txt b/big.txt");
    expect(summary).toBe(
      "Diff omitted: the change is too large to diff (more than 10 changed lines). " +
        "Changed: lines 1–50 of 50 before, lines 1–50 of 50 after.",
    );
    expect(rest).toBe("");
    expect(diff).not.toContain("line 1");
  });

  it("summarises inputs over the size and line limits without diffing them", () => {
    const before = numbered(100);
    const after = before.replace("line 5\n", "five\n").replace("line 95\n", "ninety-five\n");
    for (const limits of [{ maxInputChars: 100 }, { maxInputLines: 50 }, { maxDiffChars: 20 }]) {
      const diff = createUnifiedDiff("big.txt", before, after, limits);
      expect(diff).toMatch(/^diff --git a\/big\.txt b\/big\.txt\nDiff omitted: [^\n]*\n$/);
    }
  });

  it("handles a realistic edit within the default limits", () => {
    const before = numbered(40_000);
    const after = before.replace("line 20000\n", "changed\n");
    const diff = createUnifiedDiff("big.txt", before, after);
    expect(diff).toContain("@@ -19997,7 +19997,7 @@\n line 19997\n line 19998\n line 19999\n-line 20000\n+changed\n");
  });

  it("diffs only the changed window: a one-line change in a file of any size, and the lines it names", () => {
    const before = numbered(200_000);
    const after = before.replace("line 150000\n", "changed\nadded\n");
    expect(createUnifiedDiff("big.txt", before, after)).toContain("@@ -149997,7 +149997,8 @@");
    // Past the window's line cap the summary still says exactly where the change is.
    const wide = before.replace("line 10\n", "ten\n").replace("line 190000\n", "x\n");
    expect(createUnifiedDiff("big.txt", before, wide, { maxInputChars: 1 << 30 }).split("\n")[1]).toBe(
      "Diff omitted: the changed part has too many lines to diff (more than 10000). " +
        "Changed: lines 10–190000 of 200000 before, lines 10–190000 of 200000 after.",
    );
    const inserted = `${before}tail\n`;
    expect(createUnifiedDiff("big.txt", before, inserted, { maxEditLength: 0 }).split("\n")[1]).toContain(
      "Changed: no lines of 200000 before (at line 200001), lines 200001–200001 of 200001 after.",
    );
  });

  it("a windowed patch turns the old text into the new one (property)", () => {
    const line = fc.constantFrom("a", "b", "c", "", "  a", "a\r");
    const text = fc
      .array(line, { maxLength: 30 })
      .chain((lines) =>
        fc.boolean().map((finalBreak) => lines.join("\n") + (finalBreak && lines.length > 0 ? "\n" : "")),
      )
      // A lone CR ending the text is a line ending the diff strips (`stripTrailingCr`), not content.
      .filter((text) => !text.endsWith("\r"));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = createUnifiedDiff("f.txt", before, after);
        if (toLf(before) === toLf(after)) return;
        expect(applyPatch(toLf(before), diff)).toBe(toLf(after));
      }),
      { numRuns: 500 },
    );
  });
});

describe("fenceDiff", () => {
  it("wraps a diff in a ```diff fence", () => {
    expect(fenceDiff("-a\n+b\n")).toBe("```diff\n-a\n+b\n```\n");
  });

  it("adds a final newline before the closing fence when the diff lacks one", () => {
    expect(fenceDiff("-a\n+b")).toBe("```diff\n-a\n+b\n```\n");
  });

  it("uses a longer fence than any backtick run inside the diff", () => {
    const diff = createUnifiedDiff("README.md", "intro\n```\ncode\n```\n", "intro\n```\nmore code\n```\n");
    const fenced = fenceDiff(diff);
    expect(fenced.startsWith("````diff\n")).toBe(true);
    expect(fenced.endsWith("\n````\n")).toBe(true);
    expect(fenceDiff("+``````\n").startsWith("```````diff\n")).toBe(true);
    // No line inside can close the fence: none is a run of four or more backticks.
    const inner = fenced.split("\n").slice(1, -2);
    expect(inner.some((line) => /^ {0,3}`{4,}\s*$/.test(line))).toBe(false);
  });
});

function toLf(text: string): string {
  return text.replaceAll("\r\n", "\n");
}
