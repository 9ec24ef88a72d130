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

type LineEnding = "\n" | "\r\n";

export function applyEdits(original: string, edits: readonly TextEdit[]): EditResult {
  const lineEnding = dominantLineEnding(original);
  let text = toLf(original);
  edits.forEach((edit, index) => {
    text = applyEdit(text, edit, { number: index + 1, count: edits.length });
  });
  return { text: lineEnding === "\r\n" ? text.replaceAll("\n", "\r\n") : text };
}

interface EditPosition {
  /** 1-based, as the caller would count its edits. */
  readonly number: number;
  readonly count: number;
}

function applyEdit(text: string, edit: TextEdit, position: EditPosition): string {
  const oldText = toLf(edit.oldText);
  const newText = toLf(edit.newText);
  if (oldText === "") {
    throw editError("invalid_arguments", position, edit, "oldText is empty; it must quote the text to replace", {});
  }

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
 * Tolerant matching by line: both sides are reduced to their trimmed lines, joined with (and
 * wrapped in) "\n", so a substring match of the needle can only start and end on line boundaries.
 * This keeps the search linear-ish (the engine's string search) rather than comparing the block
 * at every line of the file.
 */
function findLineMatches(lines: readonly string[], block: readonly string[]): Matches {
  const haystack = `\n${lines.map((line) => line.trim()).join("\n")}\n`;
  const needle = `\n${block.map((line) => line.trim()).join("\n")}\n`;
  const offset = haystack.indexOf(needle);
  if (offset === -1) {
    return { first: -1, count: 0 };
  }
  // Line k is preceded by the k-th "\n" (0-based) of the haystack.
  const lineIndex = countLineBreaks(haystack, offset).all;
  return { first: lineIndex, count: countFrom(haystack, needle, offset) };
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
  const fileIndentFor = new Map<string, string>();
  block.forEach((oldLine, index) => {
    const fileLine = matched[index] ?? "";
    const callerIndent = leadingWhitespace(oldLine);
    if (oldLine.trim() !== "" && !fileIndentFor.has(callerIndent)) {
      fileIndentFor.set(callerIndent, leadingWhitespace(fileLine));
    }
  });
  // Longest first, so the most specific known indentation wins.
  const known = [...fileIndentFor.keys()].sort((a, b) => b.length - a.length);

  return newLines.map((line, index) => {
    const content = line.trimStart();
    if (line.trim() === "") {
      return "";
    }
    if (index === 0 && (block[0] ?? "").trim() !== "") {
      return leadingWhitespace(matched[0] ?? "") + content;
    }
    const indent = leadingWhitespace(line);
    const base = known.find((callerIndent) => indent.startsWith(callerIndent));
    if (base === undefined) {
      return line;
    }
    return (fileIndentFor.get(base) ?? "") + indent.slice(base.length) + content;
  });
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
