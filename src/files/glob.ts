/**
 * Glob patterns for search_files (`pattern`, `excludePatterns`) and directory_tree
 * (`excludePatterns`), compiled once per request with minimatch and `{ dot: true }`, as the
 * reference filesystem server does.
 *
 * Matching semantics:
 * - Paths are relative to the directory being searched, `/`-separated, with no leading `/` and no
 *   `.`/`..` segments (the sandbox's canonical form), e.g. `docs/notes/today.md`.
 * - By default a pattern matches the whole relative path, exactly as the reference's search_files
 *   (`minimatch(relativePath, pattern, { dot: true })`): `*.ts` matches `main.ts` in the searched
 *   directory only, `**\/*.ts` matches at any depth (including the top level), `src/**` matches
 *   everything below `src` (not `src` itself). This is what the reference tool description tells
 *   models ("'*.ext' to match files in current directory, '**\/*.ext' in all subdirectories").
 * - `{ matchBase: true }` (minimatch's option) also matches a pattern without `/` against the last
 *   segment at any depth: `*.log` matches `a/b/x.log`, `node_modules` matches `a/node_modules`. It
 *   suits exclude lists; the reference's directory_tree gives patterns without `*` that meaning.
 * - `dot: true`: `*` and `**` match names starting with `.` (`.env`, `.git/config`).
 * - Braces (`*.{js,ts}`, `{1..10}`), extglobs (`+(a|b)`), classes (`[a-z]`) work as in minimatch.
 *   A leading `!` negates the pattern (minimatch's rule, as in the reference). A leading `#` is
 *   literal (minimatch would make the pattern a comment that matches nothing).
 * - The reference prunes an excluded directory's whole subtree while walking; with R2's flat key
 *   listing use `matchesSelfOrAncestor` for the same effect.
 *
 * Limits (refused as `invalid_arguments`, naming the parameter and the 0-based pattern index):
 * at most MAX_GLOB_PATTERNS patterns, each non-empty and at most MAX_GLOB_PATTERN_LENGTH characters;
 * no leading `/` or `./` (they can never match a relative path, so refusing tells the caller why it
 * got no results); brace expansion bounded to MAX_GLOB_EXPANSIONS alternatives over all patterns,
 * because every alternative is tested against every listed path; and whatever minimatch itself
 * rejects (e.g. too many extglobs, which our length limit already rules out). Matching itself is linear: minimatch 11 matches with an NFA
 * (@isaacs/nonrecursive-glob-match) rather than backtracking regular expressions, and it uses no
 * eval/`new Function` and no Node built-ins (it reads `process.platform` only when `process`
 * exists; we pin `platform` so workerd's nodejs_compat cannot change the behaviour).
 */
import { GLOBSTAR, Minimatch, type MinimatchOptions } from "minimatch";
import { ToolError } from "../errors/tool-error";

export const MAX_GLOB_PATTERNS = 32;
export const MAX_GLOB_PATTERN_LENGTH = 256;
export const MAX_GLOB_EXPANSIONS = 256;
/**
 * `**` segments in one alternative of a pattern: each is a point where the match may skip any number
 * of path segments, and the matcher's work grows with their number times the path's depth.
 */
export const MAX_GLOBSTARS = 4;

export type PathMatcher = (relativePath: string) => boolean;

export interface GlobOptions {
  /** Patterns without `/` also match the last path segment at any depth (minimatch's matchBase). */
  readonly matchBase?: boolean;
}

/** A matcher that is true when any of `patterns` matches; with no patterns it matches nothing. */
export function compileGlobs(patterns: readonly string[], parameter: string, options: GlobOptions = {}): PathMatcher {
  return compileGlobSet(patterns, parameter, options).matches;
}

/**
 * The same patterns, also answering whether something *below* a directory could match (minimatch's
 * partial match, the test a walker uses to decide whether to descend): `archive/**` may match below
 * `archive`, `**\/.env` below any directory, `docs/*.md` below `docs` only. The access policy uses it
 * for operations on whole subtrees (a recursive delete, a directory move) before their contents are known.
 */
export interface GlobSet {
  readonly matches: PathMatcher;
  readonly mayMatchBelow: PathMatcher;
  /** Alternatives after brace expansion, over all patterns: what one test of a path costs. */
  readonly alternatives: number;
}

export function compileGlobSet(patterns: readonly string[], parameter: string, options: GlobOptions = {}): GlobSet {
  if (patterns.length > MAX_GLOB_PATTERNS) {
    throw new ToolError(
      "invalid_arguments",
      `${parameter}: at most ${MAX_GLOB_PATTERNS} patterns are allowed, got ${patterns.length}.`,
      { parameter, count: patterns.length },
    );
  }
  let expansionsLeft = MAX_GLOB_EXPANSIONS;
  const matchers = patterns.map((pattern, index) => {
    const refuse = (problem: string): ToolError =>
      new ToolError("invalid_arguments", `${parameter}[${index}]: ${problem}.`, { parameter, patternIndex: index });

    if (typeof pattern !== "string") {
      throw refuse("the pattern must be a string");
    }
    if (pattern === "") {
      throw refuse("the pattern is empty");
    }
    if (pattern.length > MAX_GLOB_PATTERN_LENGTH) {
      throw refuse(`the pattern is longer than ${MAX_GLOB_PATTERN_LENGTH} characters`);
    }
    if (pattern.startsWith("/") || pattern.startsWith("./")) {
      throw refuse(
        "patterns are relative to the searched directory; write 'src/**' rather than '/src/**' or './src/**'",
      );
    }
    const minimatchOptions: MinimatchOptions = {
      dot: true,
      nocomment: true,
      matchBase: options.matchBase ?? false,
      platform: "linux",
      // One more than we accept, so that reaching it tells us the expansion was cut short.
      braceExpandMax: expansionsLeft + 1,
    };
    let compiled: Minimatch;
    try {
      compiled = new Minimatch(pattern, minimatchOptions);
    } catch (error) {
      const reason = error instanceof Error ? error.message : "it could not be parsed";
      throw refuse(`the pattern is not a valid glob (${reason})`);
    }
    if (compiled.globSet.length > expansionsLeft) {
      throw refuse(`brace expansion makes too many alternatives (at most ${MAX_GLOB_EXPANSIONS} over all patterns)`);
    }
    const globstars = Math.max(0, ...compiled.set.map((parts) => parts.filter((part) => part === GLOBSTAR).length));
    if (globstars > MAX_GLOBSTARS) {
      throw refuse(`the pattern has ${globstars} '**' segments; at most ${MAX_GLOBSTARS} are allowed`);
    }
    expansionsLeft -= compiled.globSet.length;
    return compiled;
  });
  return {
    alternatives: MAX_GLOB_EXPANSIONS - expansionsLeft,
    matches: (relativePath) => matchers.some((matcher) => matcher.match(relativePath)),
    // The root holds everything; minimatch's partial match does not treat "" as a prefix of anything.
    mayMatchBelow: (directory) =>
      matchers.length > 0 && (directory === "" || matchers.some((matcher) => matcher.match(directory, true))),
  };
}

/** Work counted for a walk (see WALK_WORK_BUDGET in limits.ts). */
export interface WorkMeter {
  spend(units: number): void;
  readonly exhausted: boolean;
}

export function createWorkMeter(budget: number): WorkMeter {
  let spent = 0;
  return {
    spend(units) {
      spent += units;
    },
    get exhausted() {
      return spent >= budget;
    },
  };
}

/** `set.matches`, charging `meter` one unit per alternative for every path it tests. */
export function meteredMatcher(set: GlobSet, meter: WorkMeter): PathMatcher {
  const units = Math.max(1, set.alternatives);
  return (relativePath) => {
    meter.spend(units);
    return set.matches(relativePath);
  };
}

/**
 * True when `relativePath` or any directory above it matches, so that excluding `build` also
 * excludes `build/x/y.js` (and, with matchBase, `node_modules` excludes `a/node_modules/b/c.js`),
 * as the reference's walk does by not descending into an excluded directory.
 */
export function matchesSelfOrAncestor(matcher: PathMatcher, relativePath: string): boolean {
  for (let slash = relativePath.indexOf("/"); slash !== -1; slash = relativePath.indexOf("/", slash + 1)) {
    if (matcher(relativePath.slice(0, slash))) {
      return true;
    }
  }
  return matcher(relativePath);
}
