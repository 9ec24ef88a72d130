import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import {
  compileGlobSet,
  compileGlobs,
  MAX_GLOB_EXPANSIONS,
  MAX_GLOB_PATTERN_LENGTH,
  MAX_GLOB_PATTERNS,
  MAX_GLOBSTARS,
  matchesSelfOrAncestor,
} from "../../../src/files/glob";

function refusal(patterns: string[]): ToolError {
  try {
    compileGlobs(patterns, "excludePatterns");
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return error as ToolError;
  }
  throw new Error("expected compileGlobs to throw");
}

function matching(patterns: string[], paths: string[], options = {}): string[] {
  const match = compileGlobs(patterns, "pattern", options);
  return paths.filter((path) => match(path));
}

const PATHS = [
  "main.ts",
  "README.md",
  ".env",
  "src",
  "src/app.ts",
  "src/app.js",
  "src/util/strings.ts",
  "src/.hidden/secret.ts",
  "docs/guide.md",
  "docs/api/index.md",
  ".github/workflows/ci.yml",
  "node_modules/pkg/index.js",
  "a/node_modules/b/c.js",
];

describe("compileGlobs: matching like the reference search_files", () => {
  it("*.ts matches only in the searched directory", () => {
    expect(matching(["*.ts"], PATHS)).toEqual(["main.ts"]);
  });

  it("**/*.md matches at any depth, the top level included", () => {
    expect(matching(["**/*.md"], PATHS)).toEqual(["README.md", "docs/guide.md", "docs/api/index.md"]);
  });

  it("src/** matches everything below src but not src itself", () => {
    expect(matching(["src/**"], PATHS)).toEqual([
      "src/app.ts",
      "src/app.js",
      "src/util/strings.ts",
      "src/.hidden/secret.ts",
    ]);
  });

  it("matches dotfiles and dot directories (dot: true)", () => {
    expect(matching(["*"], PATHS)).toEqual(["main.ts", "README.md", ".env", "src"]);
    expect(matching(["**/*.ts"], PATHS)).toContain("src/.hidden/secret.ts");
    expect(matching(["**/*.yml"], PATHS)).toEqual([".github/workflows/ci.yml"]);
  });

  it("expands braces", () => {
    expect(matching(["src/*.{js,ts}"], PATHS)).toEqual(["src/app.ts", "src/app.js"]);
    expect(matching(["{docs,src/util}/**"], PATHS)).toEqual([
      "src/util/strings.ts",
      "docs/guide.md",
      "docs/api/index.md",
    ]);
  });

  it("matches when any of several patterns matches, and nothing with no patterns", () => {
    expect(matching(["*.md", "src/*.js"], PATHS)).toEqual(["README.md", "src/app.js"]);
    expect(matching([], PATHS)).toEqual([]);
  });

  it("treats a leading # literally rather than as a comment", () => {
    expect(matching(["#notes.md"], ["#notes.md", "notes.md"])).toEqual(["#notes.md"]);
  });

  it("keeps minimatch's leading ! negation", () => {
    expect(matching(["!*.md"], ["a.md", "b.ts"])).toEqual(["b.ts"]);
  });

  it("with matchBase, a pattern without / matches the last segment at any depth", () => {
    expect(matching(["*.ts"], PATHS, { matchBase: true })).toEqual([
      "main.ts",
      "src/app.ts",
      "src/util/strings.ts",
      "src/.hidden/secret.ts",
    ]);
    expect(matching(["docs/*.md"], PATHS, { matchBase: true })).toEqual(["docs/guide.md"]);
  });
});

describe("matchesSelfOrAncestor", () => {
  it("excludes everything under an excluded directory", () => {
    const excluded = compileGlobs(["node_modules", "docs"], "excludePatterns", { matchBase: true });
    const kept = PATHS.filter((path) => !matchesSelfOrAncestor(excluded, path));
    expect(kept).toEqual([
      "main.ts",
      "README.md",
      ".env",
      "src",
      "src/app.ts",
      "src/app.js",
      "src/util/strings.ts",
      "src/.hidden/secret.ts",
      ".github/workflows/ci.yml",
    ]);
  });
});

describe("compileGlobs: refusals", () => {
  it("refuses more than MAX_GLOB_PATTERNS patterns", () => {
    expect(() =>
      compileGlobs(
        Array.from({ length: MAX_GLOB_PATTERNS }, () => "*.ts"),
        "excludePatterns",
      ),
    ).not.toThrow();
    const error = refusal(Array.from({ length: MAX_GLOB_PATTERNS + 1 }, () => "*.ts"));
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toMatchObject({ parameter: "excludePatterns" });
  });

  it("refuses an empty pattern, naming the parameter and index", () => {
    const error = refusal(["*.ts", ""]);
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toEqual({ parameter: "excludePatterns", patternIndex: 1 });
  });

  it("refuses a pattern longer than MAX_GLOB_PATTERN_LENGTH", () => {
    expect(() => compileGlobs(["a".repeat(MAX_GLOB_PATTERN_LENGTH)], "pattern")).not.toThrow();
    const error = refusal(["*.md", "*.ts", "a".repeat(MAX_GLOB_PATTERN_LENGTH + 1)]);
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toMatchObject({ patternIndex: 2 });
  });

  it("refuses absolute and ./ patterns, which can never match a relative path", () => {
    expect(refusal(["/src/**"]).details).toMatchObject({ patternIndex: 0 });
    expect(refusal(["*.md", "./src/**"]).details).toMatchObject({ patternIndex: 1 });
  });

  it("refuses brace expansions with too many alternatives", () => {
    const tenGroups = "{a,b}".repeat(10); // 1024 alternatives
    const error = refusal(["*.ts", tenGroups]);
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toMatchObject({ patternIndex: 1 });
  });

  it("bounds brace alternatives over all patterns together", () => {
    const half = "{a,b}".repeat(7); // 128 alternatives
    expect(MAX_GLOB_EXPANSIONS).toBe(256);
    expect(() => compileGlobs([half, half], "pattern")).not.toThrow();
    expect(refusal([half, half, "{x,y}"]).details).toMatchObject({ patternIndex: 2 });
  });

  it("allows MAX_GLOBSTARS '**' segments in a pattern and refuses one more", () => {
    expect(MAX_GLOBSTARS).toBe(4);
    const at = "**/a/**/b/**/c/**/*.md";
    expect(compileGlobs([at], "pattern")("x/a/y/b/c/d/e.md")).toBe(true);
    const error = refusal(["*.md", "**/a/**/b/**/c/**/d/**/*.md"]);
    expect(error.details).toMatchObject({ patternIndex: 1 });
    expect(error.message).toContain("at most 4 are allowed");
    // Adjacent '**' are one: minimatch merges them before matching.
    expect(() => compileGlobs(["**/**/**/**/**/**/*.md"], "pattern")).not.toThrow();
  });

  it("tells a walk what a test of one path costs: its alternatives over all patterns", () => {
    expect(compileGlobSet(["{a,b}{c,d}", "*.md"], "pattern").alternatives).toBe(5);
    expect(compileGlobSet([], "pattern").alternatives).toBe(0);
  });

  it("refuses a pattern that is not a string", () => {
    const error = refusal(["*.md", 42 as unknown as string]);
    expect(error.code).toBe("invalid_arguments");
    expect(error.details).toMatchObject({ patternIndex: 1 });
  });
});
