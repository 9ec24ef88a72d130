/**
 * The git-style unified diff that edit_file returns (and shows alone on a dry run), and the markdown
 * fence the reference filesystem server wraps it in.
 *
 * Format: `diff --git a/<path> b/<path>`, `--- a/<path>`, `+++ b/<path>`, then hunks with
 * DIFF_CONTEXT_LINES lines of context (git's default; jsdiff's own default is 4). Line endings are
 * normalised (jsdiff's `stripTrailingCr`), as the reference does, so a CRLF file diffs cleanly and a
 * change of line endings alone shows no hunks. Identical texts, or texts that differ only in line
 * endings, give an empty string, as `git diff` prints nothing. Paths that git would quote (control
 * or non-ASCII characters, `"` or `\`) are C-quoted the way git does it, by jsdiff.
 *
 * CPU and memory: jsdiff's line diff is Myers' O((N+M)·D) algorithm; its memory grows with D² in
 * the worst case (about 60 MB at D = 1000 in our measurements, against a 128 MB isolate). So only the
 * changed window is diffed: the lines both sides share at the start and at the end are set aside
 * first (a linear scan), and the window keeps DIFF_CONTEXT_LINES of them on each side, so the hunks
 * are the same as a whole-file diff's. That window is bounded by DiffLimits: its size and line count
 * per side, jsdiff's `maxEditLength` (D, in changed lines), and the size of the diff we return. Past
 * any of them the result is the `diff --git` line and one summary line saying why the diff was left
 * out and which lines changed ("lines 120–180 of 4000 before, lines 120–190 of 4010 after"), never
 * file content. At the caps Myers' worst case costs about 10,000 × 200 steps (measured: < 20 ms).
 * jsdiff's `timeout` option is deliberately not used: it reads `Date.now()`, and deployed Workers only
 * advance timers after I/O (a Spectre mitigation), so it would never fire in production even though
 * it does fire under local workerd/Miniflare, where the clock runs.
 */
import { formatPatch, type StructuredPatch, structuredPatch } from "diff";

export interface DiffLimits {
  /** Longest text, per side, that we diff (UTF-16 code units). */
  readonly maxInputChars: number;
  /** Most lines, per side, that we diff. */
  readonly maxInputLines: number;
  /** jsdiff's `maxEditLength`: how many changed lines it explores before giving up. */
  readonly maxEditLength: number;
  /** Longest diff we return (UTF-16 code units); a longer one is summarised instead. */
  readonly maxDiffChars: number;
}

export const DEFAULT_DIFF_LIMITS: DiffLimits = {
  maxInputChars: 1024 * 1024,
  maxInputLines: 10_000,
  maxEditLength: 200,
  maxDiffChars: 1024 * 1024,
};

export const DIFF_CONTEXT_LINES = 3;

export function createUnifiedDiff(
  displayPath: string,
  before: string,
  after: string,
  limits: Partial<DiffLimits> = {},
): string {
  if (before === after) {
    return "";
  }
  const { maxInputChars, maxInputLines, maxEditLength, maxDiffChars } = { ...DEFAULT_DIFF_LIMITS, ...limits };
  const window = changedWindow(before, after);
  const beforeWindow = before.slice(window.start, before.length - window.commonEnd);
  const afterWindow = after.slice(window.start, after.length - window.commonEnd);
  const omitted = (reason: string): string =>
    `${gitHeader(displayPath)}Diff omitted: ${reason}. Changed: ${changedLines(before, after, window)}.\n`;

  if (beforeWindow.length > maxInputChars || afterWindow.length > maxInputChars) {
    return omitted(`the changed part is too large to diff (more than ${maxInputChars} characters)`);
  }
  if (countLines(beforeWindow) > maxInputLines || countLines(afterWindow) > maxInputLines) {
    return omitted(`the changed part has too many lines to diff (more than ${maxInputLines})`);
  }
  const patch = structuredPatch(
    `a/${displayPath}`,
    `b/${displayPath}`,
    beforeWindow,
    afterWindow,
    undefined,
    undefined,
    { context: DIFF_CONTEXT_LINES, stripTrailingCr: true, maxEditLength },
  );
  if (patch === undefined) {
    return omitted(`the change is too large to diff (more than ${maxEditLength} changed lines)`);
  }
  if (patch.hunks.length === 0) {
    return "";
  }
  // Hunks count lines from the window's start; the window starts after `window.lines` whole lines.
  const hunks = patch.hunks.map((hunk) => ({
    ...hunk,
    oldStart: hunk.oldStart + window.lines,
    newStart: hunk.newStart + window.lines,
  }));
  const diff = formatPatch({ ...patch, hunks, isGit: true });
  if (diff.length > maxDiffChars) {
    return omitted(`the diff is too large to show (more than ${maxDiffChars} characters)`);
  }
  return diff;
}

interface ChangedWindow {
  /** Where the window starts (the same offset in both texts: everything before it is shared). */
  readonly start: number;
  /** Whole lines before `start`. */
  readonly lines: number;
  /** Length of the shared end left out of the window (the same in both texts). */
  readonly commonEnd: number;
  /** The changed region proper, without context: its start, and the shared end after it. */
  readonly changeStart: number;
  readonly changeCommonEnd: number;
}

/**
 * The smallest run of whole lines outside of which both texts agree, widened by DIFF_CONTEXT_LINES
 * lines of context on each side. Linear: one scan from each end.
 */
function changedWindow(before: string, after: string): ChangedWindow {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  // Compare in blocks first (V8 compares substrings with memcmp), then character by character.
  const BLOCK = 4096;
  while (prefix + BLOCK <= shorter && before.slice(prefix, prefix + BLOCK) === after.slice(prefix, prefix + BLOCK))
    prefix += BLOCK;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  const changeStart = prefix === 0 ? 0 : before.lastIndexOf("\n", prefix - 1) + 1;

  let suffix = 0;
  const maxSuffix = shorter - changeStart;
  while (
    suffix + BLOCK <= maxSuffix &&
    before.slice(before.length - suffix - BLOCK, before.length - suffix) ===
      after.slice(after.length - suffix - BLOCK, after.length - suffix)
  )
    suffix += BLOCK;
  while (
    suffix < maxSuffix &&
    before.charCodeAt(before.length - suffix - 1) === after.charCodeAt(after.length - suffix - 1)
  )
    suffix++;
  // The shared end starts at a line start: just after the first line break inside it.
  const firstBreak = suffix === 0 ? -1 : before.indexOf("\n", before.length - suffix);
  const changeCommonEnd = firstBreak === -1 ? 0 : before.length - firstBreak - 1;

  let start = changeStart;
  for (let line = 0; line < DIFF_CONTEXT_LINES && start > 0; line++) start = before.lastIndexOf("\n", start - 2) + 1;
  let commonEnd = changeCommonEnd;
  for (let line = 0; line < DIFF_CONTEXT_LINES && commonEnd > 0; line++) {
    const next = before.indexOf("\n", before.length - commonEnd);
    commonEnd = next === -1 ? 0 : before.length - next - 1;
  }
  return { start, lines: countBreaks(before, start), commonEnd, changeStart, changeCommonEnd };
}

/** "lines 120–180 of 4000 before, lines 120–190 of 4010 after", 1-based and inclusive. */
function changedLines(before: string, after: string, window: ChangedWindow): string {
  const first = countBreaks(before, window.changeStart) + 1;
  const side = (text: string, which: string): string => {
    const total = countLines(text);
    const sharedEnd = countLines(text.slice(text.length - window.changeCommonEnd));
    const last = total - sharedEnd;
    return last >= first
      ? `lines ${first}–${last} of ${total} ${which}`
      : `no lines of ${total} ${which} (at line ${first})`;
  };
  return `${side(before, "before")}, ${side(after, "after")}`;
}

/**
 * Wraps a diff in a ```diff fence long enough that no run of backticks inside it can close the
 * fence early (a context line " ```" is a valid closing fence in CommonMark).
 */
export function fenceDiff(diff: string): string {
  const longestRun = (diff.match(/`+/g) ?? []).reduce((longest, run) => Math.max(longest, run.length), 0);
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  const body = diff === "" || diff.endsWith("\n") ? diff : `${diff}\n`;
  return `${fence}diff\n${body}${fence}\n`;
}

/** The `diff --git` line alone, formatted (and quoted) by jsdiff. */
function gitHeader(displayPath: string): string {
  const headerOnly: StructuredPatch = {
    oldFileName: `a/${displayPath}`,
    newFileName: `b/${displayPath}`,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: [],
    isGit: true,
  };
  return formatPatch(headerOnly);
}

/** Line breaks before `end`. */
function countBreaks(text: string, end: number): number {
  let breaks = 0;
  for (let at = text.indexOf("\n"); at !== -1 && at < end; at = text.indexOf("\n", at + 1)) breaks++;
  return breaks;
}

/** Lines as an editor counts them: a final line without a line break still counts. */
function countLines(text: string): number {
  let breaks = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) {
    breaks++;
  }
  return text === "" || text.endsWith("\n") ? breaks : breaks + 1;
}
