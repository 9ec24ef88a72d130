import { describe, expect, it } from "vitest";
import {
  assertCreatableName,
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

/** The refusal a new name gets, or undefined when it may be created. */
function creationRefusal(raw: string, parameter = "path"): PathRefusedError | undefined {
  try {
    assertCreatableName(parseSandboxPath(raw, parameter), parameter);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(PathRefusedError);
    return error as PathRefusedError;
  }
}

describe("invisible characters: refused in new names, readable in old ones, shown escaped", () => {
  it.each([
    ["U+202E", "report\u202Efdp.exe", "right-to-left override"],
    ["U+202A", "a\u202Ab", "left-to-right embedding"],
    ["U+202D", "a\u202Db", "left-to-right override"],
    ["U+2066", "a\u2066b", "left-to-right isolate"],
    ["U+2067", "a\u2067b", "right-to-left isolate"],
    ["U+2069", "a\u2069b", "pop directional isolate"],
    ["U+200E", "a\u200Eb", "left-to-right mark"],
    ["U+061C", "a\u061Cb", "Arabic letter mark"],
    ["U+200B", "a\u200Bb", "zero width space"],
    ["U+200C", "a\u200Cb", "zero width non-joiner"],
    ["U+200D", "a\u200Db", "zero width joiner"],
    ["U+2060", "a\u2060b", "word joiner"],
    ["U+FEFF", "\uFEFFa", "zero width no-break space (BOM)"],
    ["U+00AD", "a\u00ADb", "soft hyphen"],
    ["U+034F", "a\u034Fb", "combining grapheme joiner"],
    ["U+FE0F", "\u2764\uFE0F.txt", "variation selector"],
    ["U+3164", "\u3164", "Hangul filler"],
    ["U+E0041", "a\u{E0041}b", "tag character"],
    ["U+FFF9", "a\uFFF9b", "interlinear annotation anchor (Cf)"],
    ["U+2028", "a\u2028b", "line separator"],
    ["U+2029", "a\u2029b", "paragraph separator"],
  ])("%s (%s… %s): refused for a new name, accepted for an existing one", (codePoint, raw) => {
    for (const path of [raw, `dir/${raw}`, `${raw}/file.txt`]) {
      const refused = creationRefusal(path, "destination");
      expect(refused?.rule).toBe("invisible_character");
      expect(refused?.code).toBe("invalid_path");
      expect(refused?.message).toContain("'destination'");
      expect(refused?.message).toContain(codePoint);
      expect(refused?.details).toMatchObject({ rule: "invisible_character", parameter: "destination", codePoint });
      // Neither the path nor the character itself is echoed.
      expect(refused?.message).not.toContain(raw);
      expect(refused?.message).not.toContain(String.fromCodePoint(Number.parseInt(codePoint.slice(2), 16)));
      // Reading, listing, deleting, moving away: the same text parses.
      expect(parseSandboxPath(path, "path").relative).toBe(path.normalize("NFC"));
    }
  });

  it("leaves ordinary names alone (accents, scripts, emoji without selectors, spaces)", () => {
    for (const name of ["café.txt", "日本語.md", "שלום.txt", "مرحبا.txt", "\u{1F600}.png", "a b.txt", "x-y_z.~1"]) {
      expect(creationRefusal(name)).toBeUndefined();
      expect(parseSandboxPath(name, "p").display).toBe(`/${name.normalize("NFC")}`);
    }
  });

  it("shows such names escaped, and reads the escaped form back as the same name", () => {
    const path = parseSandboxPath("docs/report\u202Efdp.exe", "path");
    expect(path.display).toBe("/docs/report\\u{202E}fdp.exe");
    expect(path.displayName).toBe("report\\u{202E}fdp.exe");
    expect(path.name).toBe("report\u202Efdp.exe");
    expect(parseSandboxPath(path.display, "path").segments).toEqual(path.segments);
    expect(parseSandboxPath("a\\u{E0041}b", "path").name).toBe("a\u{E0041}b");
    expect(parseSandboxPath("a\u{E0041}b", "path").displayName).toBe("a\\u{E0041}b");
    // The escaped form of a new name is the same new name: refused the same way.
    expect(creationRefusal("report\\u{202E}fdp.exe")?.rule).toBe("invisible_character");
  });

  it.each([
    ["lowercase hex", "a\\u{202e}b"],
    ["extra leading zero", "a\\u{0202E}b"],
    ["fewer than four digits", "a\\u{AD}b"],
    ["a visible character", "a\\u{41}b"],
    ["a control character", "a\\u{0000}b"],
    ["a slash", "a\\u{002F}b"],
    ["a dot", "\\u{002E}\\u{002E}"],
    ["beyond Unicode", "a\\u{110000}b"],
    ["JavaScript's \\uXXXX form", "a\\u202Eb"],
    ["a lone backslash next to an escape", "a\\\\u{202E}b"],
  ])("any other backslash is still refused (%s)", (_name, raw) => {
    expect(refusal(raw)).toBe("backslash");
  });

  it("a real name can never look like an escaped one: no backslash or look-alike reaches a name", () => {
    // The escape itself means the invisible character, which a new name may not have.
    expect(parseSandboxPath("report\\u{202E}fdp.exe", "p").name).toBe("report\u202Efdp.exe");
    expect(creationRefusal("report\\u{202E}fdp.exe")?.rule).toBe("invisible_character");
    // Anything else that would show as a backslash is refused outright.
    for (const slash of ["\uFF3C", "\uFE68", "\u29F5", "\u29F9", "\u2216"]) {
      expect(refusal(`report${slash}u{202E}fdp.exe`), JSON.stringify(slash)).toMatch(
        /^(backslash|lookalike_separator)$/,
      );
    }
  });
});
