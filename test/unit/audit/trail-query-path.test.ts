/** `audit query --path` accepts paths as tools do, and warns about globs no event path can match. */
import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { normalizePathGlob } from "../../../src/audit/trail-query";

describe("normalizePathGlob", () => {
  it.each([
    ["payroll/**", "/payroll/**"],
    ["/payroll/**", "/payroll/**"],
    ["./payroll/**", "/payroll/**"],
    ["  notes.md ", "/notes.md"],
    ["**/*.csv", "/**/*.csv"],
  ])("%j → %j, matching the canonical paths events carry", (glob, expected) => {
    const { glob: normalized, warnings } = normalizePathGlob(glob);
    expect(normalized).toBe(expected);
    expect(warnings).toEqual([]);
  });

  it("with or without the leading slash, the same events match", () => {
    for (const glob of ["payroll/**", "/payroll/**"]) {
      expect(minimatch("/payroll/2026/nov.csv", normalizePathGlob(glob).glob, { dot: true })).toBe(true);
    }
  });

  it.each([
    ["payroll/", /ends in "\/"/],
    ["/a//b", /empty segment/],
    ["/a/../b", /"\." or "\.\." segment/],
    ["./a/./b", /"\." or "\.\." segment/],
    ["a\\b", /backslash/],
  ])("warns that %j can never match", (glob, warning) => {
    expect(normalizePathGlob(glob).warnings.join("\n")).toMatch(warning);
  });
});
