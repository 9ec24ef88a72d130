import { describe, expect, it } from "vitest";
import {
  MAX_PATH_BYTES,
  MAX_PATH_DEPTH,
  MAX_SEGMENT_BYTES,
  PathRefusedError,
  parseSandboxPath,
  SandboxPath,
} from "../../src/sandbox/sandbox-path";

function refusal(raw: unknown, options?: { allowRoot?: boolean }): string | undefined {
  try {
    parseSandboxPath(raw, "path", options);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(PathRefusedError);
    return (error as PathRefusedError).rule;
  }
}

describe("parseSandboxPath canonicalization", () => {
  it.each([
    ["a/b.txt", "a/b.txt"],
    ["/a/b.txt", "a/b.txt"],
    ["a//b///c", "a/b/c"],
    ["./a/./b/.", "a/b"],
    ["a/b/", "a/b"],
    ["", ""],
    ["/", ""],
    [".", ""],
    ["...", "..."],
    ["a..b/..c/d..", "a..b/..c/d.."],
    ["%2e%2e/x", "%2e%2e/x"],
    ["caf\u0065\u0301.txt", "caf\u00e9.txt"],
  ])("%j → %j", (raw, canonical) => {
    expect(parseSandboxPath(raw, "path").relative).toBe(canonical);
  });

  it("normalizes to NFC so composed and decomposed names are one file", () => {
    expect(parseSandboxPath("e\u0301", "p").relative).toBe(parseSandboxPath("\u00e9", "p").relative);
  });

  it.each([
    ["../etc/passwd", "dot_dot_segment"],
    ["a/../../b", "dot_dot_segment"],
    ["a/..", "dot_dot_segment"],
    ["/..", "dot_dot_segment"],
    ["a\\..\\b", "backslash"],
    ["a\\b", "backslash"],
    ["a\u0000b", "control_character"],
    ["a\nb", "control_character"],
    ["a\u007fb", "control_character"],
    ["a\u0085b", "control_character"],
    ["\uFF0E\uFF0E/x", "lookalike_separator"],
    ["a\uFF0Fb", "lookalike_separator"],
    ["a\u2215b", "lookalike_separator"],
    ["\u2024\u2024", "lookalike_separator"],
    ["a\uFE68b", "lookalike_separator"],
    ["\ud800x", "invalid_unicode"],
    [42, "not_a_string"],
    [null, "not_a_string"],
    [["a"], "not_a_string"],
  ])("refuses %j with rule %s", (raw, rule) => {
    expect(refusal(raw)).toBe(rule);
  });

  it("bounds total length, segment length and depth", () => {
    expect(refusal("a".repeat(MAX_SEGMENT_BYTES + 1))).toBe("segment_too_long");
    expect(refusal("a".repeat(MAX_SEGMENT_BYTES))).toBeUndefined();
    expect(refusal(`${"a/".repeat(MAX_PATH_BYTES / 2)}x`)).toBe("path_too_long");
    expect(refusal(Array.from({ length: MAX_PATH_DEPTH + 1 }, () => "d").join("/"))).toBe("too_deep");
    // Multi-byte characters count in UTF-8 bytes, not UTF-16 units.
    expect(refusal("é".repeat(128))).toBe("segment_too_long");
  });

  it("refuses the root where a file is meant", () => {
    expect(refusal("/", { allowRoot: false })).toBe("root_not_allowed");
    expect(refusal("./", { allowRoot: false })).toBe("root_not_allowed");
  });

  it("names the parameter and the rule in the refusal, without echoing the path", () => {
    try {
      parseSandboxPath("../secret-name", "destination");
      expect.unreachable();
    } catch (error) {
      const refused = error as PathRefusedError;
      expect(refused.code).toBe("invalid_path");
      expect(refused.message).toContain("destination");
      expect(refused.message).toContain("dot_dot_segment");
      expect(refused.message).not.toContain("secret-name");
    }
  });

  it("cannot be constructed from an unchecked string", () => {
    const Ctor = SandboxPath as unknown as new (token: symbol, segments: string[]) => SandboxPath;
    expect(() => new Ctor(Symbol("SandboxPath"), ["..", "x"])).toThrow(TypeError);
    expect(() => SandboxPath.make(Symbol("SandboxPath"), [".."])).toThrow(TypeError);
  });

  it("derives parents, ancestors and children canonically", () => {
    const path = parseSandboxPath("a/b/c", "p");
    expect(path.parent().relative).toBe("a/b");
    expect(path.ancestors().map((p) => p.relative)).toEqual(["a", "a/b"]);
    expect(path.display).toBe("/a/b/c");
    expect(SandboxPath.root().display).toBe("/");
    expect(() => path.child("..")).toThrow(PathRefusedError);
    expect(parseSandboxPath("a", "p").isSameOrAncestorOf(path)).toBe(true);
    expect(parseSandboxPath("a/b/cd", "p").isSameOrAncestorOf(path)).toBe(false);
  });
});
