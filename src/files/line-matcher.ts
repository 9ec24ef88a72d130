/**
 * What search_file_contents tests each line with: a literal substring (the default) or a regular
 * expression run by RE2JS, a JavaScript port of RE2. RE2 matches in time linear in the input and has no
 * backreferences or lookaround, so no pattern can make matching backtrack exponentially (the class of
 * the SDK's CVE-2026-0621, e.g. `(a+)+$` against `aaaa…!`); V8's own RegExp would backtrack. RE2JS is
 * plain JavaScript (no eval, no WebAssembly), so it runs on workerd as is.
 *
 * Refusals are `invalid_arguments` naming what RE2 could not parse, never echoing the pattern.
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from "re2js";
import { ToolError } from "../errors/tool-error";

export const MAX_PATTERN_LENGTH = 1000;

export type LineMatcher = (line: string) => boolean;

export function compileLineMatcher(pattern: string, options: { regex: boolean; caseSensitive: boolean }): LineMatcher {
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    throw new ToolError("invalid_arguments", `pattern must be 1 to ${MAX_PATTERN_LENGTH} characters.`, {
      parameter: "pattern",
    });
  }
  if (!options.regex) {
    if (options.caseSensitive) return (line) => line.includes(pattern);
    const folded = pattern.toLowerCase();
    return (line) => line.toLowerCase().includes(folded);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, options.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    const why = error instanceof RE2JSSyntaxException ? error.getDescription() : "it is too complex";
    throw new ToolError(
      "invalid_arguments",
      `pattern is not a regular expression RE2 accepts (${why}). RE2 syntax has no backreferences or lookaround; ` +
        "pass regex: false to search for the text literally.",
      { parameter: "pattern" },
    );
  }
  return (line) => compiled.test(line);
}
