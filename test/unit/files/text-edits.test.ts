import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import {
  applyEdits,
  EDIT_WORK_BUDGET,
  MAX_COUNTED_MATCHES,
  MAX_EDIT_NEW_LINES,
  MAX_EDIT_OLD_LINES,
  MAX_SNIPPET_CHARS,
  type TextEdit,
  TOLERANT_UNITS_PER_CHAR,
} from "../../../src/files/text-edits";

function failure(original: string, edits: TextEdit[]): ToolError {
  try {
    applyEdits(original, edits);
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return error as ToolError;
  }
  throw new Error("expected applyEdits to throw");
}

describe("applyEdits: exact matches", () => {
  it("replaces a unique exact match", () => {
    expect(applyEdits("alpha\nbeta\ngamma\n", [{ oldText: "beta", newText: "BETA" }]).text).toBe(
      "alpha\nBETA\ngamma\n",
    );
  });

  it("matches inside a line and across lines", () => {
    const original = "const a = 1;\nconst b = 2;\n";
    expect(applyEdits(original, [{ oldText: "1;\nconst b", newText: "10;\nconst bb" }]).text).toBe(
      "const a = 10;\nconst bb = 2;\n",
    );
  });

  it("returns the text unchanged when there are no edits", () => {
    expect(applyEdits("x\r\ny\r\n", []).text).toBe("x\r\ny\r\n");
  });

  it("applies edits in order, each to the result of the previous one", () => {
    const result = applyEdits("one two three", [
      { oldText: "one", newText: "uno" },
      { oldText: "uno two", newText: "uno dos" },
      { oldText: "three", newText: "tres" },
    ]);
    expect(result.text).toBe("uno dos tres");
  });

  it("lets a later edit depend on text an earlier edit inserted", () => {
    const result = applyEdits("a\n", [
      { oldText: "a", newText: "a\nmarker" },
      { oldText: "marker", newText: "b" },
    ]);
    expect(result.text).toBe("a\nb\n");
  });

  it("inserts newText literally, without $-pattern substitution", () => {
    expect(applyEdits("price: X", [{ oldText: "X", newText: "$& $1 $$ $`" }]).text).toBe("price: $& $1 $$ $`");
  });

  it("deletes text when newText is empty", () => {
    expect(applyEdits("keep\ndrop\nkeep\n", [{ oldText: "drop\n", newText: "" }]).text).toBe("keep\nkeep\n");
  });
});

describe("applyEdits: line endings", () => {
  it("matches LF oldText against a CRLF file and keeps CRLF", () => {
    const original = "first\r\nsecond\r\nthird\r\n";
    const result = applyEdits(original, [{ oldText: "first\nsecond", newText: "1st\n2nd\nextra" }]);
    expect(result.text).toBe("1st\r\n2nd\r\nextra\r\nthird\r\n");
  });

  it("matches CRLF oldText against an LF file and keeps LF", () => {
    const result = applyEdits("a\nb\nc\n", [{ oldText: "a\r\nb", newText: "A\r\nB" }]);
    expect(result.text).toBe("A\nB\nc\n");
  });

  it("keeps CRLF through a whitespace-tolerant edit", () => {
    const original = "if (x) {\r\n    run();\r\n}\r\n";
    const result = applyEdits(original, [{ oldText: "  run();  ", newText: "  run();\n  stop();" }]);
    expect(result.text).toBe("if (x) {\r\n    run();\r\n    stop();\r\n}\r\n");
  });

  it("writes a mixed file back in its dominant style", () => {
    const original = "a\r\nb\r\nc\nd\r\n";
    expect(applyEdits(original, [{ oldText: "a", newText: "A" }]).text).toBe("A\r\nb\r\nc\r\nd\r\n");
  });
});

describe("applyEdits: whitespace-tolerant matches", () => {
  it("matches lines whose indentation and trailing spaces differ, keeping the file's indentation", () => {
    const original = ["function f() {", "    if (a) {", "        go();  ", "    }", "}", ""].join("\n");
    const edit = { oldText: "if (a) {\n    go();\n}", newText: "if (b) {\n    go();\n    again();\n}" };
    expect(applyEdits(original, [edit]).text).toBe(
      ["function f() {", "    if (b) {", "        go();", "        again();", "    }", "}", ""].join("\n"),
    );
  });

  it("maps the caller's space indentation onto a tab-indented file", () => {
    const original = ["func main() {", "\tif ok {", "\t\tstart()", "\t}", "}", ""].join("\n");
    const edit = {
      oldText: "    if ok {\n        start()\n    }",
      newText: "    if ok {\n        start()\n        wait()\n            // deeper\n    }",
    };
    expect(applyEdits(original, [edit]).text).toBe(
      ["func main() {", "\tif ok {", "\t\tstart()", "\t\twait()", "\t\t    // deeper", "\t}", "}", ""].join("\n"),
    );
  });

  it("maps the caller's tab indentation onto a space-indented file", () => {
    const original = ["class A:", "    def f(self):", "        return 1", ""].join("\n");
    const edit = { oldText: "\tdef f(self):\n\t\treturn 1", newText: "\tdef f(self):\n\t\tx = 1\n\t\treturn x" };
    expect(applyEdits(original, [edit]).text).toBe(
      ["class A:", "    def f(self):", "        x = 1", "        return x", ""].join("\n"),
    );
  });

  it("gives the first new line the matched block's indentation whatever the caller wrote", () => {
    const original = "    alpha();\n    beta();\n";
    const edit = { oldText: "alpha(); \nbeta();", newText: "        gamma();\ndelta();" };
    expect(applyEdits(original, [edit]).text).toBe("    gamma();\n    delta();\n");
  });

  it("keeps lines the caller indented less than anything it matched as written", () => {
    const original = "    a\n    b\n";
    const edit = { oldText: "  a\n  b", newText: "  a\n b\n" };
    expect(applyEdits(original, [edit]).text).toBe("    a\n b\n\n");
  });

  it("empties whitespace-only new lines", () => {
    const original = "\tx = 1\n\ty = 2\n";
    const edit = { oldText: "x = 1\n  y = 2", newText: "x = 1\n   \ny = 2" };
    expect(applyEdits(original, [edit]).text).toBe("\tx = 1\n\n\ty = 2\n");
  });

  it("replaces whole lines when oldText ends with a line break", () => {
    const original = "keep\n  old one\n  old two\nkeep\n";
    expect(applyEdits(original, [{ oldText: "old one\nold two\n", newText: "new\n" }]).text).toBe(
      "keep\n  new\nkeep\n",
    );
    expect(applyEdits(original, [{ oldText: "old one\nold two\n", newText: "" }]).text).toBe("keep\nkeep\n");
  });

  it("prefers an exact match over a tolerant one", () => {
    const original = "  foo\nfoo bar\n";
    expect(applyEdits(original, [{ oldText: "foo bar", newText: "baz" }]).text).toBe("  foo\nbaz\n");
  });
});

describe("applyEdits: refusals", () => {
  it("refuses an empty oldText as invalid_arguments, naming the edit", () => {
    const error = failure("text", [
      { oldText: "text", newText: "TEXT" },
      { oldText: "", newText: "x" },
    ]);
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toMatchObject({ editIndex: 2, editCount: 2 });
  });

  it("refuses an oldText that is not found, naming the 1-based index of the failing edit", () => {
    const error = failure("alpha\nbeta\n", [
      { oldText: "alpha", newText: "ALPHA" },
      { oldText: "beta", newText: "BETA" },
      { oldText: "gamma", newText: "GAMMA" },
    ]);
    expect(error.code).toBe("edit_not_found");
    expect(error.details).toMatchObject({ editIndex: 3, editCount: 3 });
  });

  it("refuses an edit whose target an earlier edit removed", () => {
    const error = failure("abc", [
      { oldText: "abc", newText: "xyz" },
      { oldText: "abc", newText: "def" },
    ]);
    expect(error.code).toBe("edit_not_found");
    expect(error.details).toMatchObject({ editIndex: 2 });
  });

  it("refuses an ambiguous exact match and says how many places matched", () => {
    const error = failure("x = 1;\ny = 2;\nx = 1;\n", [{ oldText: "x = 1;", newText: "x = 3;" }]);
    expect(error.code).toBe("edit_ambiguous");
    expect(error.details).toMatchObject({ editIndex: 1, ambiguous: true, matches: 2, matchKind: "exact" });
  });

  it("counts overlapping exact matches as ambiguous", () => {
    const error = failure("ababa", [{ oldText: "aba", newText: "X" }]);
    expect(error.details).toMatchObject({ ambiguous: true, matches: 2 });
  });

  it("stops counting ambiguous matches at MAX_COUNTED_MATCHES", () => {
    const error = failure("a".repeat(10_000), [{ oldText: "aa", newText: "b" }]);
    expect(error.details).toMatchObject({ ambiguous: true, matches: MAX_COUNTED_MATCHES });
  });

  it("refuses an ambiguous whitespace-tolerant match", () => {
    const original = "  run();\n  stop();\n\n\trun();\n\tstop();\n";
    const error = failure(original, [{ oldText: "run();\nstop();", newText: "go();" }]);
    expect(error.code).toBe("edit_ambiguous");
    expect(error.details).toMatchObject({ ambiguous: true, matches: 2, matchKind: "line" });
  });

  it("only matches a whitespace-only oldText exactly", () => {
    const error = failure("a\n\nb\n", [{ oldText: "   ", newText: "x" }]);
    expect(error.code).toBe("edit_not_found");
    expect(error.details).not.toHaveProperty("ambiguous");
  });

  it("never puts file content into the message, and quotes at most a short snippet of oldText", () => {
    const secret = "SECRET-FILE-CONTENT";
    const original = `${secret}\nline\n${secret}\nline\n`;
    const longOldText = `line ${"z".repeat(500)}`;
    for (const edits of [
      [{ oldText: "line", newText: "x" }],
      [{ oldText: longOldText, newText: "x" }],
      [{ oldText: "", newText: "x" }],
    ]) {
      const error = failure(original, edits);
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error.details)).not.toContain(secret);
      expect(error.message).not.toContain("z".repeat(MAX_SNIPPET_CHARS));
    }
  });
});

describe("applyEdits: bounded work", () => {
  const indent = (i: number) => i.toString(2).padStart(15, "0").replaceAll("0", " ").replaceAll("1", "\t");

  it("finds a tolerant block in linear time where comparing at every line would be quadratic", () => {
    // Alternating lines: a block of 5,000 alternating lines ending off-pattern matches nowhere, and
    // every one of the file's 5,000 "a" lines is a candidate start.
    const file = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? "  b" : "  a")).join("\n");
    const block = [...Array.from({ length: 4_999 }, (_, i) => (i % 2 ? "b" : "a")), "a"].join("\n");
    expect(failure(file, [{ oldText: block, newText: "x" }]).code).toBe("edit_not_found");
    // Overlapping tolerant matches are counted, as before.
    expect(failure("a\na\na\n", [{ oldText: " a\n a", newText: "x" }]).details).toMatchObject({
      matches: 2,
      matchKind: "line",
    });
    // The same block found once, replaced in place with the file's indentation.
    const once = `${file}\n  c\n  d`;
    expect(applyEdits(once, [{ oldText: "c\nd", newText: "C\n  D" }]).text.endsWith("\n  C\n    D")).toBe(true);
  });

  it("re-indents many distinct indentations, each new line by the longest known prefix", () => {
    const count = 3_000;
    const file = Array.from({ length: count }, (_, i) => `line ${i}`).join("\n");
    const oldText = Array.from({ length: count }, (_, i) => `${indent(i)}line ${i}`).join("\n");
    const newText = Array.from({ length: count }, (_, i) => `${indent(i)}  new ${i}`).join("\n");
    const lines = applyEdits(file, [{ oldText, newText }]).text.split("\n");
    expect(lines[0]).toBe("new 0");
    // indent(i) maps to the file's "" (every matched file line is unindented), the extra "  " stays.
    expect(lines[1]).toBe("  new 1");
    expect(lines[count - 1]).toBe(`  new ${count - 1}`);
  });

  it("caps oldText and newText lines per call, at the cap and one over", () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `l${i}`).join("\n");
    const file = lines(MAX_EDIT_OLD_LINES);
    expect(() => applyEdits(file, [{ oldText: file, newText: lines(MAX_EDIT_NEW_LINES) }])).not.toThrow();
    const tooOld = failure(`${file}\nmore`, [{ oldText: `${file}\nmore`, newText: "x" }]);
    expect(tooOld.code).toBe("too_large");
    expect(tooOld.message).toContain(`at most ${MAX_EDIT_OLD_LINES}`);
    expect(tooOld.message).toContain("Split the change");
    const tooNew = failure(file, [
      { oldText: "l0\n", newText: lines(MAX_EDIT_NEW_LINES / 2) },
      { oldText: "l1\n", newText: lines(MAX_EDIT_NEW_LINES / 2 + 1) },
    ]);
    expect(tooNew.code).toBe("too_large");
    expect(tooNew.details).toMatchObject({ lines: MAX_EDIT_NEW_LINES + 1, maxLines: MAX_EDIT_NEW_LINES });
  });

  it("refuses edits whose matching would pass the work budget, before doing it, and applies nothing", () => {
    const big = "x".repeat(4 * 1024 * 1024 - 16);
    const file = `${big}\nmarker\n`;
    const exactEdits = Math.floor(EDIT_WORK_BUDGET / file.length);
    const fits = Array.from({ length: exactEdits }, () => ({ oldText: "marker", newText: "marker" }));
    expect(() => applyEdits(file, fits)).not.toThrow();
    const over = failure(file, [...fits, { oldText: "marker", newText: "marker" }]);
    expect(over.code).toBe("too_complex");
    expect(over.details).toMatchObject({ editIndex: exactEdits + 1, budget: EDIT_WORK_BUDGET });
    // A tolerant match pays several times over.
    const tolerant = Array.from({ length: Math.ceil(exactEdits / TOLERANT_UNITS_PER_CHAR) + 1 }, () => ({
      oldText: "  marker  ",
      newText: "marker",
    }));
    expect(failure(file, tolerant).code).toBe("too_complex");
  });
});
