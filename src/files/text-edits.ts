/**
 * edit_file's text replacement, as a pure function: the caller reads the file, calls `applyEdits`,
 * and writes the result back only if this returned (so a failed edit changes nothing).
 *
 * Semantics follow the reference filesystem server's `edit_file`:
 * - Line endings are normalised to LF for matching (file, oldText and newText alike).
 * - Edits apply in order, each to the result of the previous one.
 * - An exact substring match of oldText is tried first. Failing that, a whitespace-tolerant match
 *   compares whole lines with leading and trailing whitespace ignored, replaces those lines with
 *   newText, and re-indents newText to the file's indentation (see `reindent`).
 *
 * Deliberate deviations, all safer than the reference:
 * - An oldText that matches more than one place (exactly, or tolerantly when there is no exact
 *   match) is refused as ambiguous instead of silently editing the first occurrence.
 * - An empty oldText is refused; a whitespace-only oldText is only ever matched exactly (tolerantly
 *   it would match every blank line).
 * - Failures name the edit (1-based) that failed; nothing is partially applied.
 * - newText is inserted literally: no `$&`/`$1` substitution (the reference used
 *   `String.replace` with a string replacement for a time, which interprets those).
 * - The file's line-ending style is kept: a file whose line breaks are mostly CRLF is written back
 *   with CRLF everywhere, otherwise LF. (A file that mixes both ends up with its dominant style.)
 * - An oldText that ends with a line break, matched tolerantly, replaces whole lines; a newText
 *   that ends with one too does not add an extra blank line.
 *
 * Bounded work (invariant 10): tolerant matching maps each trimmed line to a number and finds the block
 * in the file's numbers with KMP, linear in file + block lines (comparing the block at every line
 * would be quadratic); re-indenting finds each new line's base indentation in a trie of the caller's
 * indentations, linear in the line. A call's oldText and newText lines are capped (`too_large`), and
 * every match pays its file size from EDIT_WORK_BUDGET before it runs (a tolerant one several times
 * over), so many edits of a large file are refused (`too_complex`) instead of running long. A Worker's
 * clock does not advance while it computes, so the budget counts characters, not time.
 *
 * Invariant: error messages never carry file content; the only text they quote is a short,
 * truncated snippet of the caller's own oldText.
 */
import { ToolError } from "../errors/tool-error";

export interface TextEdit {
  readonly oldText: string;
  readonly newText: string;
}

export interface EditResult {
  readonly text: string;
}

/** Longest piece of the caller's oldText quoted back in an error message. */
export const MAX_SNIPPET_CHARS = 80;

/**
 * We stop counting matches here: the count is only there to tell the caller how ambiguous its
 * oldText is, and each further overlapping match can cost a full scan of the text.
 */
export const MAX_COUNTED_MATCHES = 10;

/** Lines of oldText, and of newText, over all edits of one call. */
export const MAX_EDIT_OLD_LINES = 5_000;
export const MAX_EDIT_NEW_LINES = 20_000;
/**
 * Characters of file one call may search: an exact search pays the file's length, a tolerant one
 * TOLERANT_UNITS_PER_CHAR times that (it trims, numbers and compares every line).
 */
export const EDIT_WORK_BUDGET = 16 * 1024 * 1024;
export const TOLERANT_UNITS_PER_CHAR = 8;

type LineEnding = "\n" | "\r\n";

export function applyEdits(original: string, edits: readonly TextEdit[]): EditResult {
  checkLineCaps(edits);
  const lineEnding = dominantLineEnding(original);
  let text = toLf(original);
  const work = { spent: 0 };
  edits.forEach((edit, index) => {
    text = applyEdit(text, edit, { number: index + 1, count: edits.length }, work);
  });
  return { text: lineEnding === "\r\n" ? text.replaceAll("\n", "\r\n") : text };
}

function checkLineCaps(edits: readonly TextEdit[]): void {
  let oldLines = 0;
  let newLines = 0;
  for (const edit of edits) {
    oldLines += countLineBreaks(edit.oldText, edit.oldText.length).all + 1;
    newLines += countLineBreaks(edit.newText, edit.newText.length).all + 1;
  }
  const over = (what: string, lines: number, max: number) =>
    new ToolError(
      "too_large",
      `The edits' ${what} add up to ${lines} lines; at most ${max} are allowed in one call. No edits were applied. ` +
        "Split the change into several edit_file calls, or write the whole file with write_file.",
      { parameter: "edits", lines, maxLines: max },
    );
  if (oldLines > MAX_EDIT_OLD_LINES) throw over("oldText", oldLines, MAX_EDIT_OLD_LINES);
  if (newLines > MAX_EDIT_NEW_LINES) throw over("newText", newLines, MAX_EDIT_NEW_LINES);
}

/** Pays for a search of `chars` characters at `rate` units each, or refuses the whole call. */
function spend(work: { spent: number }, chars: number, rate: number, position: EditPosition): void {
  work.spent += chars * rate;
  if (work.spent > EDIT_WORK_BUDGET) {
    throw new ToolError(
      "too_complex",
      `Edit ${position.number} of ${position.count}: these edits need more matching than one call may do ` +
        `(each edit searches the whole file, a whitespace-tolerant match ${TOLERANT_UNITS_PER_CHAR} times over; ` +
        `${EDIT_WORK_BUDGET} characters in all). No edits were applied. Send fewer edits per call, or copy oldText ` +
        "exactly from the file so it matches without whitespace tolerance.",
      { editIndex: position.number, editCount: position.count, budget: EDIT_WORK_BUDGET },
    );
  }
}

interface EditPosition {
  /** 1-based, as the caller would count its edits. */
  readonly number: number;
  readonly count: number;
}

function applyEdit(text: string, edit: TextEdit, position: EditPosition, work: { spent: number }): string {
  const oldText = toLf(edit.oldText);
  const newText = toLf(edit.newText);
  if (oldText === "") {
    throw editError("invalid_arguments", position, edit, "oldText is empty; it must quote the text to replace", {});
  }

  spend(work, text.length, 1, position);
  const exact = findExactMatches(text, oldText);
  if (exact.count === 1) {
    return text.slice(0, exact.first) + newText + text.slice(exact.first + oldText.length);
  }
  if (exact.count > 1) {
    throw ambiguousError(position, edit, exact.count, "exact");
  }

  // Whitespace-only oldText carries nothing to anchor a tolerant match on.
  if (oldText.trim() === "") {
    throw notFoundError(position, edit);
  }
  spend(work, text.length, TOLERANT_UNITS_PER_CHAR, position);
  const lines = text.split("\n");
  const block = blockLines(oldText);
  const tolerant = findLineMatches(lines, block);
  if (tolerant.count === 0) {
    throw notFoundError(position, edit);
  }
  if (tolerant.count > 1) {
    throw ambiguousError(position, edit, tolerant.count, "line");
  }
  const matched = lines.slice(tolerant.first, tolerant.first + block.length);
  const replacement = reindent(replacementLines(newText, oldText.endsWith("\n")), block, matched);
  return [...lines.slice(0, tolerant.first), ...replacement, ...lines.slice(tolerant.first + block.length)].join("\n");
}

interface Matches {
  /** Where the first match starts: a character offset (exact) or a line index (tolerant). */
  readonly first: number;
  /** How many matches, overlapping ones included, counted up to MAX_COUNTED_MATCHES. */
  readonly count: number;
}

function findExactMatches(text: string, needle: string): Matches {
  const first = text.indexOf(needle);
  return { first, count: first === -1 ? 0 : countFrom(text, needle, first) };
}

/**
 * Tolerant matching by line: lines compare equal when their trimmed text is equal. Each distinct
 * trimmed line of the block gets a number (file lines not in the block get -1), and the block's
 * numbers are found in the file's with Knuth–Morris–Pratt: linear in file and block lines whatever
 * they hold, where comparing the block at every line of the file would be quadratic. Overlapping
 * matches count, up to MAX_COUNTED_MATCHES.
 */
function findLineMatches(lines: readonly string[], block: readonly string[]): Matches {
  const numbers = new Map<string, number>();
  const pattern = block.map((line) => {
    const key = line.trim();
    let id = numbers.get(key);
    if (id === undefined) {
      id = numbers.size;
      numbers.set(key, id);
    }
    return id;
  });
  const failure = kmpFailure(pattern);
  let first = -1;
  let count = 0;
  let matched = 0;
  for (let index = 0; index < lines.length && count < MAX_COUNTED_MATCHES; index++) {
    const id = numbers.get(lines[index]!.trim()) ?? -1;
    while (matched > 0 && pattern[matched] !== id) matched = failure[matched - 1]!;
    if (pattern[matched] === id) matched++;
    if (matched === pattern.length) {
      if (first === -1) first = index - pattern.length + 1;
      count++;
      matched = failure[matched - 1]!;
    }
  }
  return { first, count };
}

/** KMP's failure function: for each prefix, the length of its longest proper prefix that is also a suffix. */
function kmpFailure(pattern: readonly number[]): number[] {
  const failure = new Array<number>(pattern.length).fill(0);
  let length = 0;
  for (let index = 1; index < pattern.length; index++) {
    while (length > 0 && pattern[index] !== pattern[length]) length = failure[length - 1]!;
    if (pattern[index] === pattern[length]) length++;
    failure[index] = length;
  }
  return failure;
}

function countFrom(haystack: string, needle: string, firstOffset: number): number {
  let count = 1;
  let offset = firstOffset;
  while (count < MAX_COUNTED_MATCHES) {
    offset = haystack.indexOf(needle, offset + 1);
    if (offset === -1) {
      break;
    }
    count++;
  }
  return count;
}

/** oldText as lines; a trailing line break ends its last line rather than starting an empty one. */
function blockLines(oldText: string): string[] {
  const lines = oldText.split("\n");
  if (oldText.endsWith("\n")) {
    lines.pop();
  }
  return lines;
}

/**
 * newText as the lines that replace the matched block. When oldText ended with a line break the
 * block is whole lines, so newText's own trailing line break is already accounted for (and an empty
 * newText deletes the lines); otherwise the line break after the block stays, as in an exact match.
 */
function replacementLines(newText: string, replacesWholeLines: boolean): string[] {
  if (replacesWholeLines) {
    return newText === "" ? [] : blockLines(newText);
  }
  return newText.split("\n");
}

/**
 * Moves newText's lines into the file's indentation.
 * - The first new line gets the indentation of the first matched line in the file.
 * - Every other line keeps its indentation relative to the old line it extends: each non-blank
 *   (oldText line, matched file line) pair says "the caller's indent X is the file's indent Y", and
 *   a new line indented X + more becomes Y + more, using the longest such X. So a caller that wrote
 *   spaces for a file indented with tabs gets tabs for the levels it matched; deeper levels keep the
 *   caller's own extra whitespace (we do not guess a tab width).
 * - A line indented less than anything matched, in whitespace we cannot map, is kept as written.
 * - Whitespace-only lines become empty, rather than carrying indentation nobody asked for.
 */
function reindent(newLines: readonly string[], block: readonly string[], matched: readonly string[]): string[] {
  const fileIndentFor = new IndentTrie();
  block.forEach((oldLine, index) => {
    if (oldLine.trim() !== "") fileIndentFor.add(leadingWhitespace(oldLine), leadingWhitespace(matched[index] ?? ""));
  });

  return newLines.map((line, index) => {
    const content = line.trimStart();
    if (line.trim() === "") {
      return "";
    }
    if (index === 0 && (block[0] ?? "").trim() !== "") {
      return leadingWhitespace(matched[0] ?? "") + content;
    }
    const indent = leadingWhitespace(line);
    // The most specific known indentation wins: the longest caller indent that begins this one.
    const base = fileIndentFor.longestPrefixOf(indent);
    if (base === undefined) {
      return line;
    }
    return base.fileIndent + indent.slice(base.length) + content;
  });
}

/**
 * Caller indentation → the file's, looked up by the longest caller indentation that is a prefix of a
 * given one, in time linear in that indentation (a list tried longest first would cost the number of
 * distinct indentations per line: quadratic for a block of many distinct ones).
 */
class IndentTrie {
  readonly #root: IndentNode = { children: new Map() };

  /** Keeps the first mapping of an indentation, as the caller's first line with it decides. */
  add(callerIndent: string, fileIndent: string): void {
    let node = this.#root;
    for (let at = 0; at < callerIndent.length; at++) {
      const unit = callerIndent[at]!;
      let next = node.children.get(unit);
      if (!next) {
        next = { children: new Map() };
        node.children.set(unit, next);
      }
      node = next;
    }
    node.fileIndent ??= fileIndent;
  }

  longestPrefixOf(indent: string): { length: number; fileIndent: string } | undefined {
    let node: IndentNode | undefined = this.#root;
    let best: { length: number; fileIndent: string } | undefined;
    let length = 0;
    while (node) {
      if (node.fileIndent !== undefined) best = { length, fileIndent: node.fileIndent };
      if (length >= indent.length) break;
      node = node.children.get(indent[length]!);
      length++;
    }
    return best;
  }
}

interface IndentNode {
  readonly children: Map<string, IndentNode>;
  fileIndent?: string;
}

function leadingWhitespace(line: string): string {
  return line.slice(0, line.length - line.trimStart().length);
}

function toLf(text: string): string {
  return text.replaceAll("\r\n", "\n");
}

function dominantLineEnding(text: string): LineEnding {
  const breaks = countLineBreaks(text, text.length);
  return breaks.crlf > breaks.all - breaks.crlf ? "\r\n" : "\n";
}

/** Line breaks before `end`; counted in place because a large file split into lines costs memory. */
function countLineBreaks(text: string, end: number): { all: number; crlf: number } {
  let all = 0;
  let crlf = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) {
    all++;
    if (at > 0 && text[at - 1] === "\r") {
      crlf++;
    }
  }
  return { all, crlf };
}

function notFoundError(position: EditPosition, edit: TextEdit): ToolError {
  return editError(
    "edit_not_found",
    position,
    edit,
    "oldText was not found in the file, not even when ignoring leading and trailing whitespace on each line. " +
      "Read the file again and copy the text to replace exactly",
    {},
  );
}

function ambiguousError(position: EditPosition, edit: TextEdit, count: number, matchKind: "exact" | "line"): ToolError {
  const places = count >= MAX_COUNTED_MATCHES ? `at least ${count} places` : `${count} places`;
  const how = matchKind === "exact" ? "" : " when ignoring leading and trailing whitespace";
  return editError(
    "edit_ambiguous",
    position,
    edit,
    `oldText is ambiguous: it matches ${places} in the file${how}. ` +
      "Include more surrounding lines in oldText so that it matches exactly one place",
    { ambiguous: true, matches: count, matchKind },
  );
}

function editError(
  code: "edit_not_found" | "edit_ambiguous" | "invalid_arguments",
  position: EditPosition,
  edit: TextEdit,
  problem: string,
  details: Record<string, string | number | boolean>,
): ToolError {
  const quoted = edit.oldText === "" ? "" : ` (oldText begins ${snippet(edit.oldText)})`;
  return new ToolError(
    code,
    `Edit ${position.number} of ${position.count}: ${problem}${quoted}. No edits were applied.`,
    { editIndex: position.number, editCount: position.count, ...details },
  );
}

/** The caller's own text, cut to MAX_SNIPPET_CHARS code points and quoted on one line. */
function snippet(text: string): string {
  // Slice generously before splitting into code points, so a huge oldText is not copied whole.
  const codePoints = Array.from(text.slice(0, MAX_SNIPPET_CHARS * 2));
  const cut = codePoints.length > MAX_SNIPPET_CHARS || text.length > MAX_SNIPPET_CHARS * 2;
  return JSON.stringify(codePoints.slice(0, MAX_SNIPPET_CHARS).join("") + (cut ? "…" : ""));
}
