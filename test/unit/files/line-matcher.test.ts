/** The line matcher's cost model: literal text never becomes a regex; a regex is capped and priced. */

import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import {
  compileLineMatcher,
  estimateProgramSize,
  MAX_REGEX_LINE_CHARS,
  MAX_REGEX_PROGRAM_SIZE,
  REGEX_WORK_BUDGET,
} from "../../../src/files/line-matcher";

const regex = (pattern: string, caseSensitive = true) => compileLineMatcher(pattern, { regex: true, caseSensitive });

describe("compileLineMatcher", () => {
  it("takes literal text, with or without (?i), as a substring search without a budget", () => {
    for (const pattern of ["hello world", "(?i)Hello", "a-b,c/d"]) {
      const matcher = regex(pattern);
      expect(matcher.kind).toBe("literal");
      expect(matcher.budget).toBe(Number.POSITIVE_INFINITY);
      expect(matcher.cost(1_000_000)).toBe(0);
    }
    expect(regex("(?i)Hello").test("say HELLO")).toBe(true);
    expect(regex("Hello").test("say HELLO")).toBe(false);
    expect(regex("Hello", false).test("say HELLO")).toBe(true);
    expect(compileLineMatcher("a.b", { regex: false, caseSensitive: true }).test("a.b")).toBe(true);
  });

  it("prices a regex per line as (characters + 1) × program size, and caps its lines by the budget", () => {
    const small = regex("fo+");
    expect(small.kind).toBe("regex");
    const size = small.cost(0);
    expect(small.cost(99)).toBe(100 * size);
    expect(small.maxLineChars).toBe(MAX_REGEX_LINE_CHARS);
    const large = regex(`[ab]{${MAX_REGEX_PROGRAM_SIZE - 2}}`);
    expect(large.cost(0)).toBe(MAX_REGEX_PROGRAM_SIZE);
    // The longest line it may test still fits in one call's budget, so every call makes progress.
    expect(large.cost(large.maxLineChars)).toBeLessThanOrEqual(REGEX_WORK_BUDGET);
    expect(large.cost(large.maxLineChars + 1)).toBeGreaterThan(REGEX_WORK_BUDGET);
  });

  it("refuses a program over the cap as too_complex, naming the cap and what to do instead", () => {
    let caught: unknown;
    try {
      regex(`[ab]{${MAX_REGEX_PROGRAM_SIZE - 1}}`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolError);
    const error = caught as ToolError;
    expect(error.code).toBe("too_complex");
    expect(error.details).toMatchObject({
      programSize: MAX_REGEX_PROGRAM_SIZE + 1,
      maxProgramSize: MAX_REGEX_PROGRAM_SIZE,
    });
    expect(error.message).toContain("regex: false");
  });

  it("refuses a pattern far over the cap from its text alone, without compiling it", () => {
    const issue = Array.from({ length: 95 }, (_, i) => `[a${String.fromCharCode(0x410 + i)}]{999}`).join("|");
    let caught: unknown;
    try {
      regex(issue);
    } catch (error) {
      caught = error;
    }
    expect((caught as ToolError).code).toBe("too_complex");
    expect((caught as ToolError).message).toContain("would compile to about");
  });

  it("estimates a program size at or above the real one", () => {
    const patterns = [
      "fo+",
      "[ab]{498}",
      "(?i)(foo|bar|baz)[a-z]{20}q",
      "(a+)+$",
      "a{2,999}x",
      "(a?){500}a{500}",
      "\\bfunc\\w+\\(",
      "(?P<x>ab){10}",
      "\\Qa.b\\E{3}",
      "[[:alpha:]]{30}",
      "\\p{Greek}{40}",
      "(?i:ab|cd){30}",
      "x{5,}",
      "((a|b){20}){20}",
      "[]a]{4}",
      "(?s).{100}",
    ];
    for (const pattern of patterns) {
      expect(estimateProgramSize(pattern), pattern).toBeGreaterThanOrEqual(RE2JS.compile(pattern).programSize());
    }
  });
});
