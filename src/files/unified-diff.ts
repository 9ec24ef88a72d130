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
 * the worst case (about 60 MB at D = 1000 in our measurements, against a 128 MB isolate). So every
 * diff is bounded by DiffLimits: input size and line count per side, jsdiff's `maxEditLength` (D,
 * in changed lines), and the size of the diff we return. Past any of them the result is the
 * `diff --git` line and one summary line saying why the diff was left out, never file content.
 * With the defaults the worst case we could construct took ~70 ms and ~20 MB in V8.
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
  maxInputChars: 4 * 1024 * 1024,
  maxInputLines: 50_000,
  maxEditLength: 500,
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
  const omitted = (reason: string): string =>
    `${gitHeader(displayPath)}Diff omitted: ${reason}; ${countLines(before)} lines before, ${countLines(after)} after.\n`;

  if (before.length > maxInputChars || after.length > maxInputChars) {
    return omitted(`the file is too large to diff (more than ${maxInputChars} characters)`);
  }
  if (countLines(before) > maxInputLines || countLines(after) > maxInputLines) {
    return omitted(`the file has too many lines to diff (more than ${maxInputLines})`);
  }
  const patch = structuredPatch(`a/${displayPath}`, `b/${displayPath}`, before, after, undefined, undefined, {
    context: DIFF_CONTEXT_LINES,
    stripTrailingCr: true,
    maxEditLength,
  });
  if (patch === undefined) {
    return omitted(`the change is too large to diff (more than ${maxEditLength} changed lines)`);
  }
  if (patch.hunks.length === 0) {
    return "";
  }
  const diff = formatPatch({ ...patch, isGit: true });
  if (diff.length > maxDiffChars) {
    return omitted(`the diff is too large to show (more than ${maxDiffChars} characters)`);
  }
  return diff;
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

/** Lines as an editor counts them: a final line without a line break still counts. */
function countLines(text: string): number {
  let breaks = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) {
    breaks++;
  }
  return text === "" || text.endsWith("\n") ? breaks : breaks + 1;
}
