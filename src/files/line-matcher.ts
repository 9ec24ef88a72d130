/**
 * What search_file_contents tests each line with: a literal substring (the default) or a regular
 * expression run by RE2JS, a JavaScript port of RE2. RE2 matches in time linear in the input and has no
 * backreferences or lookaround, so no pattern can make matching backtrack exponentially (the class of
 * the SDK's CVE-2026-0621, e.g. `(a+)+$` against `aaaa…!`); V8's own RegExp would backtrack. RE2JS is
 * plain JavaScript (no eval, no WebAssembly), so it runs on workerd as is.
 *
 * Linear is not cheap: RE2's cost per character also grows with the compiled program (its NFA steps
 * every instruction; its DFA builds states of them), and RE2JS's worst case measured here is about
 * 60–130 ns per character per instruction. One line's test cannot be interrupted, and a Worker's clock
 * stands still while it computes, so the bound is counted, not timed:
 * - the compiled program is capped (`too_complex`, before anything is read); compiling is itself
 *   linear in the program (≈ 45 ms for the 95,000 instructions of 95 × `[ab]{999}`), so a pattern whose
 *   size estimated from its text alone is far over the cap is refused without compiling;
 * - each tested line costs (characters + 1) × program size work units, and a call has
 *   REGEX_WORK_BUDGET of them (the search stops at a line boundary with a cursor when the next line
 *   would not fit);
 * - a line longer than the budget allows for this program is never tested (the file is skipped as
 *   `line_too_long`), so one line can never overrun the budget.
 * Literal patterns never build a regex: `regex: false`, and a regex that is only literal text (with or
 * without `(?i)`), run as a substring search at well under 1 ns per character.
 *
 * Refusals are `invalid_arguments` naming what RE2 could not parse, never echoing the pattern.
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from "re2js";
import { ToolError } from "../errors/tool-error";

export const MAX_PATTERN_LENGTH = 1000;
/**
 * Work units (line characters × program instructions) one call may spend on regex matching: at the
 * worst rate measured for RE2JS (≈ 60 ns per unit) about 36 ms of CPU.
 */
export const REGEX_WORK_BUDGET = 600_000;
/** Largest compiled program accepted: with it, lines of up to 1,200 characters can still be tested. */
export const MAX_REGEX_PROGRAM_SIZE = 500;
/** Longest line a regex is tested against, whatever the program (the budget allows less for large ones). */
export const MAX_REGEX_LINE_CHARS = 64 * 1024;

export interface LineMatcher {
  readonly test: (line: string) => boolean;
  /** Work units testing a line of this many characters costs (0 for literal search: bytes bound it). */
  readonly cost: (chars: number) => number;
  /** Longest line this matcher may test; a file with a longer one is skipped as `line_too_long`. */
  readonly maxLineChars: number;
  /** Work units this call may spend (Infinity for literal search). */
  readonly budget: number;
  readonly kind: "literal" | "regex";
}

// RE2 metacharacters; a pattern without any (and without escapes) is literal text.
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/;
const CASE_INSENSITIVE_PREFIX = "(?i)";

function literalMatcher(text: string, caseSensitive: boolean): LineMatcher {
  const folded = text.toLowerCase();
  return {
    test: caseSensitive ? (line) => line.includes(text) : (line) => line.toLowerCase().includes(folded),
    cost: () => 0,
    maxLineChars: Number.POSITIVE_INFINITY,
    budget: Number.POSITIVE_INFINITY,
    kind: "literal",
  };
}

/** The literal text a regex stands for, if it is nothing else (`foo bar`, `(?i)Foo`). */
function literalOf(pattern: string, caseSensitive: boolean): { text: string; caseSensitive: boolean } | undefined {
  const folded = pattern.startsWith(CASE_INSENSITIVE_PREFIX);
  const body = folded ? pattern.slice(CASE_INSENSITIVE_PREFIX.length) : pattern;
  if (body === "" || REGEX_SYNTAX.test(body)) return undefined;
  return { text: body, caseSensitive: caseSensitive && !folded };
}

export function compileLineMatcher(pattern: string, options: { regex: boolean; caseSensitive: boolean }): LineMatcher {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    throw new ToolError("invalid_arguments", `pattern must be 1 to ${MAX_PATTERN_LENGTH} characters.`, {
      parameter: "pattern",
    });
  }
  if (!options.regex) return literalMatcher(pattern, options.caseSensitive);
  const literal = literalOf(pattern, options.caseSensitive);
  if (literal) return literalMatcher(literal.text, literal.caseSensitive);
  const estimate = estimateProgramSize(pattern);
  if (estimate > PRECHECK_FACTOR * MAX_REGEX_PROGRAM_SIZE) throw tooComplex(undefined, estimate);
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    if (!(error instanceof RE2JSSyntaxException)) throw tooComplex(undefined, undefined);
    throw new ToolError(
      "invalid_arguments",
      `pattern is not a regular expression RE2 accepts (${error.getDescription()}). RE2 syntax has no backreferences or ` +
        "lookaround; pass regex: false to search for the text literally.",
      { parameter: "pattern" },
    );
  }
  const size = compiled.programSize();
  if (size > MAX_REGEX_PROGRAM_SIZE) throw tooComplex(size, undefined);
  return {
    test: (line) => compiled.test(line),
    cost: (chars) => (chars + 1) * size,
    maxLineChars: Math.min(MAX_REGEX_LINE_CHARS, Math.floor(REGEX_WORK_BUDGET / size) - 1),
    budget: REGEX_WORK_BUDGET,
    kind: "regex",
  };
}

function tooComplex(size: number | undefined, estimate: number | undefined): ToolError {
  const what =
    size !== undefined
      ? `compiles to ${size} instructions`
      : estimate !== undefined
        ? `would compile to about ${estimate} instructions`
        : "is too large to compile";
  return new ToolError(
    "too_complex",
    `pattern ${what}; at most ${MAX_REGEX_PROGRAM_SIZE} are allowed, because matching costs CPU per character per ` +
      "instruction. Use fewer alternatives or smaller repeat counts ({n} repeats its item n times), split the search " +
      "into several simpler patterns, or search for literal text (regex: false), which has no such limit.",
    { parameter: "pattern", programSize: size ?? -1, maxProgramSize: MAX_REGEX_PROGRAM_SIZE },
  );
}

/**
 * A pattern whose estimate passes this many times the cap is refused without compiling; below it the
 * exact size decides, so the estimate's error never refuses a pattern that fits.
 */
const PRECHECK_FACTOR = 8;

/**
 * RE2's program size estimated from the pattern's text alone (within a factor of about two, mostly
 * above): literals 1, classes and escapes 2, a group its contents + 2, `|` 1, `*` `+` `?` 2, and
 * `x{n,m}` max(n, m) + 1 copies of x and a split each (RE2 expands counted repeats). Linear in the
 * pattern; a malformed pattern is left for RE2 to refuse.
 */
export function estimateProgramSize(pattern: string): number {
  const groups: number[] = [0];
  let last = 0;
  const add = (cost: number) => {
    groups[groups.length - 1]! += cost;
    last = cost;
  };
  for (let at = 0; at < pattern.length; at++) {
    const char = pattern[at]!;
    if (char === "\\") {
      const next = pattern[at + 1];
      if (next === "Q") {
        const end = pattern.indexOf("\\E", at);
        const stop = end === -1 ? pattern.length : end;
        add(Math.max(1, stop - at - 2));
        at = end === -1 ? pattern.length : end + 1;
        continue;
      }
      if ((next === "p" || next === "P" || next === "x") && pattern[at + 2] === "{") {
        const close = pattern.indexOf("}", at);
        at = close === -1 ? pattern.length : close;
      } else at += next === "p" || next === "P" ? 2 : 1;
      add(2);
    } else if (char === "[") {
      let end = at + 1;
      if (pattern[end] === "^") end++;
      if (pattern[end] === "]") end++;
      while (end < pattern.length && pattern[end] !== "]") {
        if (pattern[end] === "\\") end++;
        else if (pattern[end] === "[" && pattern[end + 1] === ":") {
          const close = pattern.indexOf(":]", end);
          if (close !== -1) end = close + 1;
        }
        end++;
      }
      at = end;
      add(2);
    } else if (char === "(") {
      if (pattern[at + 1] === "?") {
        // (?flags) sets flags and is no group; (?flags:…) and (?P<name>…) are.
        const close = pattern.indexOf(")", at);
        const colon = pattern.indexOf(":", at);
        const named = pattern[at + 2] === "P" || pattern[at + 2] === "<";
        if (!named && close !== -1 && (colon === -1 || close < colon)) {
          at = close;
          continue;
        }
        if (named) {
          const end = pattern.indexOf(">", at);
          at = end === -1 ? at : end;
        } else at = colon;
      }
      groups.push(0);
      last = 0;
    } else if (char === ")") {
      const inner = groups.length > 1 ? groups.pop()! : 0;
      add(inner + 2);
    } else if (char === "|") {
      add(1);
      last = 0;
    } else if (char === "*" || char === "+" || char === "?") {
      groups[groups.length - 1]! += 2;
    } else if (char === "{") {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at, at + 16));
      if (!counted) {
        add(1);
        continue;
      }
      const low = Number(counted[1]);
      const high = counted[3] ? Number(counted[3]) : low;
      // Over 1,000 RE2 refuses as a syntax error when it parses (cheaply, before compiling): its reason is
      // the better answer, so such a repeat is not counted here.
      const copies = Math.max(low, high) > 1000 ? 1 : Math.max(low, high) + 1;
      // Each copy past the first, and the split that makes an optional one optional.
      groups[groups.length - 1]! += last * (copies - 1) + copies;
      last = last * copies + copies;
      at += counted[0].length - 1;
    } else add(1);
  }
  return 2 + groups.reduce((sum, cost) => sum + cost, 0);
}
