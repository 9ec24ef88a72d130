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
 * - the compiled program is capped (`too_complex`, before anything is read);
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
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    if (!(error instanceof RE2JSSyntaxException)) throw tooComplex(undefined);
    throw new ToolError(
      "invalid_arguments",
      `pattern is not a regular expression RE2 accepts (${error.getDescription()}). RE2 syntax has no backreferences or ` +
        "lookaround; pass regex: false to search for the text literally.",
      { parameter: "pattern" },
    );
  }
  const size = compiled.programSize();
  if (size > MAX_REGEX_PROGRAM_SIZE) throw tooComplex(size);
  return {
    test: (line) => compiled.test(line),
    cost: (chars) => (chars + 1) * size,
    maxLineChars: Math.min(MAX_REGEX_LINE_CHARS, Math.floor(REGEX_WORK_BUDGET / size) - 1),
    budget: REGEX_WORK_BUDGET,
    kind: "regex",
  };
}

function tooComplex(size: number | undefined): ToolError {
  const what = size === undefined ? "is too large to compile" : `compiles to ${size} instructions`;
  return new ToolError(
    "too_complex",
    `pattern ${what}; at most ${MAX_REGEX_PROGRAM_SIZE} are allowed, because matching costs CPU per character per ` +
      "instruction. Use fewer alternatives or smaller repeat counts ({n} repeats its item n times), split the search " +
      "into several simpler patterns, or search for literal text (regex: false), which has no such limit.",
    { parameter: "pattern", programSize: size ?? -1, maxProgramSize: MAX_REGEX_PROGRAM_SIZE },
  );
}
