/**
 * `search_file_contents` (ours): grep over the caller's files. Literal text by default, or a regular
 * expression in RE2 syntax (linear-time matching, see src/files/line-matcher.ts); `glob` filters file
 * names; `contextLines` adds lines around each match. Results are the file, 1-based line number and line.
 *
 * Bounded per call (src/files/limits.ts): matches (`maxMatches`), bytes of content read, files opened
 * and stored objects listed. Whatever stops it first, the answer says so and carries a cursor that
 * resumes at the next line (mid-file, by an R2 range read) or the next file: nothing is skipped or seen
 * twice, as long as the files do not change in between. Files that are not UTF-8 text are skipped and
 * named. The trash is under another prefix, so it is never searched.
 */

import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import { type ContentMatch, scanContent } from "../files/content-scan";
import { compileGlobSet, createWorkMeter, meteredMatcher, type PathMatcher, type WorkMeter } from "../files/glob";
import {
  MAX_CONTENT_LINE_BYTES,
  MAX_CONTENT_LINE_CHARS,
  MAX_CONTENT_MATCHES,
  MAX_CONTENT_SCAN_BYTES,
  MAX_CONTENT_SCAN_FILES,
  MAX_CONTEXT_LINES,
  MAX_TEXT_READ_BYTES,
  MAX_WALK_VISITED,
  WALK_OBJECT_UNITS,
  WALK_WORK_BUDGET,
} from "../files/limits";
import {
  compileLineMatcher,
  type LineMatcher,
  MAX_PATTERN_LENGTH,
  MAX_REGEX_PROGRAM_SIZE,
  REGEX_WORK_BUDGET,
} from "../files/line-matcher";
import { escapeInvisible as escapeInvisibleName } from "../sandbox/invisible-characters";
import type { ContentRecord, Sandbox, SandboxPath } from "../sandbox/sandbox";
import { contentMeta, withMeta } from "./content-meta";
import { cursorField, pathField } from "./schemas";
import { decodeSearchCursor, encodeSearchCursor, type SearchPosition } from "./search-cursor";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

/** Files listed per walk step before they are opened; keeps the walk and the reads interleaved. */
const FILES_PER_BATCH = 100;
const MAX_SKIPPED_LISTED = 100;

const matchSchema = z.object({
  path: z.string(),
  line: z.number().describe("1-based line number"),
  text: z.string(),
  before: z.array(z.string()).optional(),
  after: z.array(z.string()).optional(),
});
type MatchOut = z.infer<typeof matchSchema>;
type StopReason = "matches" | "bytes" | "files" | "visited" | "work";

interface SearchState {
  readonly base: SandboxPath;
  readonly matcher: LineMatcher;
  readonly contextLines: number;
  readonly maxMatches: number;
  readonly found: MatchOut[];
  readonly skipped: { path: string; reason: string }[];
  /** What each searched file's content held (labels, redactions), for `_meta` and the audit. */
  readonly records: ContentRecord[];
  bytes: number;
  /** Matching work spent (a regex's characters × program size; see line-matcher.ts). */
  work: number;
  files: number;
  visited: number;
  /** The walk's own work (objects listed, glob alternatives tested), as search_files counts it. */
  readonly walkMeter: WorkMeter;
  stop: { reason: StopReason; position: SearchPosition } | undefined;
}

function toMatchOut(path: SandboxPath, match: ContentMatch, contextLines: number): MatchOut {
  return {
    path: path.display,
    line: match.line,
    text: match.text,
    ...(contextLines > 0 ? { before: match.before, after: match.after } : {}),
  };
}

/** Searches one file from `offset`/`line`; records a stop (with its resume point) if a bound is reached. */
async function searchFile(
  sandbox: Sandbox,
  state: SearchState,
  path: SandboxPath,
  start: { offset: number; line: number },
): Promise<void> {
  const exhausted: StopReason | undefined =
    state.found.length >= state.maxMatches
      ? "matches"
      : state.files >= MAX_CONTENT_SCAN_FILES
        ? "files"
        : state.bytes >= MAX_CONTENT_SCAN_BYTES
          ? "bytes"
          : state.work >= state.matcher.budget
            ? "work"
            : undefined;
  if (exhausted) {
    state.stop = { reason: exhausted, position: { kind: "file", path, ...start } };
    return;
  }
  // What is searched is the caller's view of the file (src/sandbox/sandbox-content.ts): a match never
  // falls inside a redacted span, and snippets show what read_text_file shows. Files up to the
  // whole-read cap are viewed whole (offsets and lines are the view's); larger ones line by line.
  let file: { body: ReadableStream<Uint8Array>; size: number };
  let view: ((line: string) => string) | undefined;
  try {
    const info = await sandbox.requireFile(path);
    if (start.offset > 0 && start.offset >= info.size) return; // shrank since the last page: nothing left to read
    if (info.size <= MAX_TEXT_READ_BYTES) {
      const content = await sandbox.readText(path, MAX_TEXT_READ_BYTES, "");
      state.records.push(content.record);
      const shown = new TextEncoder().encode(content.shown);
      if (start.offset >= shown.byteLength) return;
      file = { body: new Blob([shown.subarray(start.offset)]).stream(), size: shown.byteLength };
    } else {
      const opened = await sandbox.openFile(path, start.offset > 0 ? { offset: start.offset } : undefined);
      file = { body: opened.body, size: opened.info.size };
      view = sandbox.lineViewer(path);
    }
  } catch (error) {
    // Deleted (or replaced by a directory) since it was listed: nothing to search.
    if (error instanceof ToolError && (error.code === "not_found" || error.code === "not_a_file")) return;
    // Not text: skipped, as the streamed scan reports it.
    if (error instanceof ToolError && error.code === "not_text") {
      if (state.skipped.length < MAX_SKIPPED_LISTED) state.skipped.push({ path: path.display, reason: "not_text" });
      return;
    }
    // Refused by a label rule (the content is what is refused): left out, like a file it may not read.
    if (error instanceof ToolError && (error.code === "policy_denied" || error.code === "confirmation_required"))
      return;
    throw error;
  }
  state.files++;
  const result = await scanContent(file.body, {
    ...(view ? { view } : {}),
    offset: start.offset,
    line: start.line,
    matches: state.matcher.test,
    lineCost: state.matcher.cost,
    workBudget: state.matcher.budget - state.work,
    maxTestChars: state.matcher.maxLineChars,
    contextLines: state.contextLines,
    maxMatches: state.maxMatches - state.found.length,
    byteBudget: MAX_CONTENT_SCAN_BYTES - state.bytes,
    maxLineChars: MAX_CONTENT_LINE_CHARS,
    maxLineBytes: MAX_CONTENT_LINE_BYTES,
    size: file.size,
  });
  state.bytes += result.bytesRead;
  state.work += result.work;
  if (result.skipped) {
    if (state.skipped.length < MAX_SKIPPED_LISTED) state.skipped.push({ path: path.display, reason: result.skipped });
    return;
  }
  for (const match of result.matches) state.found.push(toMatchOut(path, match, state.contextLines));
  if (result.resume && result.stoppedBy) {
    state.stop = { reason: result.stoppedBy, position: { kind: "file", path, ...result.resume } };
  }
}

async function searchDirectory(
  sandbox: Sandbox,
  state: SearchState,
  include: PathMatcher | undefined,
  resumeAt: SearchPosition | undefined,
): Promise<void> {
  let walkCursor: string | undefined;
  if (resumeAt?.kind === "file") {
    await searchFile(sandbox, state, resumeAt.path, resumeAt);
    if (state.stop) return;
    walkCursor = sandbox.walkCursorAfter(state.base, resumeAt.path);
  } else walkCursor = resumeAt?.walkCursor;
  const depth = state.base.segments.length;
  for (;;) {
    const batch: SandboxPath[] = [];
    const summary = await sandbox.walk(
      state.base,
      { cursor: walkCursor, maxVisited: Math.max(1, Math.min(1000, MAX_WALK_VISITED - state.visited)) },
      (entries) => {
        state.walkMeter.spend(WALK_OBJECT_UNITS);
        for (const entry of entries) {
          if (entry.type !== "file") continue;
          // Files the caller may not read are left out silently, as a listing leaves out what it may not list.
          if (!sandbox.mayRead(entry.path)) continue;
          if (include && !include(entry.path.segments.slice(depth).join("/"))) continue;
          batch.push(entry.path);
        }
        return batch.length < FILES_PER_BATCH && !state.walkMeter.exhausted;
      },
    );
    state.visited += summary.visited;
    for (const path of batch) {
      await searchFile(sandbox, state, path, { offset: 0, line: 1 });
      if (state.stop) return;
    }
    if (summary.nextCursor === undefined) return;
    walkCursor = summary.nextCursor;
    if (state.visited >= MAX_WALK_VISITED || state.walkMeter.exhausted) {
      state.stop = { reason: "visited", position: { kind: "walk", walkCursor } };
      return;
    }
  }
}

function toText(found: readonly MatchOut[], contextLines: number): string[] {
  if (found.length === 0) return ["No matches found"];
  if (contextLines === 0) return found.map((m) => `${m.path}:${m.line}:${m.text}`);
  const lines: string[] = [];
  for (const [index, m] of found.entries()) {
    if (index > 0) lines.push("--");
    const before = m.before ?? [];
    for (const [i, text] of before.entries()) lines.push(`${m.path}-${m.line - before.length + i}-${text}`);
    lines.push(`${m.path}:${m.line}:${m.text}`);
    for (const [i, text] of (m.after ?? []).entries()) lines.push(`${m.path}-${m.line + 1 + i}-${text}`);
  }
  return lines;
}

const STOP_TEXT: Record<StopReason, string> = {
  matches: "it reached maxMatches",
  bytes: `it read ${MAX_CONTENT_SCAN_BYTES} bytes`,
  files: `it opened ${MAX_CONTENT_SCAN_FILES} files`,
  visited: "it listed as many stored objects as one call may (or tested them against 'glob' as often)",
  work:
    `it used this call's regex matching budget (${REGEX_WORK_BUDGET} units of line characters × pattern size); ` +
    "a simpler pattern or a literal search (regex: false) reads more per call",
};

export const searchFileContents = defineTool({
  name: "search_file_contents",
  title: "Search file contents",
  description:
    "Search inside files (like grep): every line containing 'pattern', as path, line number and line. 'path' is a file " +
    "or a directory searched at any depth; 'glob' keeps only matching file names ('*.ts' at any depth, 'src/**/*.md'). " +
    "The pattern is literal text unless regex is true (RE2 syntax: linear time, no backreferences or lookaround). " +
    "caseSensitive defaults to true. contextLines adds lines before and after each match. Each call reads at most " +
    `${MAX_CONTENT_SCAN_BYTES} bytes of ${MAX_CONTENT_SCAN_FILES} files and returns at most maxMatches matches; a regex also has a ` +
    `work budget (line characters × pattern size, patterns up to ${MAX_REGEX_PROGRAM_SIZE} instructions), so prefer literal ` +
    "text where it will do. When a call stops early it says so and returns a nextCursor to continue. Files that are not " +
    "UTF-8 text are skipped.",
  scope: "files:read",
  input: z.object({
    path: pathField.default("/"),
    pattern: z.string().min(1).max(MAX_PATTERN_LENGTH).describe("Text to find, or an RE2 regular expression"),
    regex: z.boolean().default(false).describe("Treat pattern as an RE2 regular expression"),
    caseSensitive: z.boolean().default(true),
    glob: z.string().min(1).optional().describe("Only files whose path below 'path' matches; no '/' = any depth"),
    contextLines: z.number().int().min(0).max(MAX_CONTEXT_LINES).default(0).describe("Lines before and after"),
    maxMatches: z.number().int().min(1).max(MAX_CONTENT_MATCHES).default(100),
    cursor: cursorField.optional(),
  }),
  output: z.object({
    path: z.string(),
    matches: z.array(matchSchema),
    filesSearched: z.number().describe("Files read by this call"),
    bytesScanned: z.number().describe("Bytes of content read by this call"),
    skipped: z
      .array(z.object({ path: z.string(), reason: z.enum(["not_text", "line_too_long"]) }))
      .describe(
        "Files not searched (binary or not UTF-8, a line over 1 MiB, or for a regex a line longer than it may test); " +
          "at most 100 listed",
      ),
    truncated: z.boolean().describe("True when the search stopped early; call again with nextCursor for more"),
    truncatedBy: z.enum(["matches", "bytes", "files", "visited", "work"]).optional(),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cost: () => ({ units: 5 }),
  actions: ["read"],
  // It reads the contents of files below the path: the storage gate judges each one and the search
  // leaves out what the caller may not read (or list), so only the named path is decided up front.
  access: ({ path }) => [touch("read", path, "path")],
  async run(input, { sandbox }) {
    const base = sandbox.resolve(input.path, "path");
    const matcher = compileLineMatcher(input.pattern, { regex: input.regex, caseSensitive: input.caseSensitive });
    const walkMeter = createWorkMeter(WALK_WORK_BUDGET);
    const include =
      input.glob === undefined
        ? undefined
        : meteredMatcher(compileGlobSet([input.glob], "glob", { matchBase: true }), walkMeter);
    const info = await sandbox.stat(base);
    if (!info) throw new ToolError("not_found", `No such file or directory: ${base.display}`, { path: base.display });
    const resumeAt = input.cursor === undefined ? undefined : decodeSearchCursor(sandbox, base, input.cursor);
    const state: SearchState = {
      base,
      matcher,
      contextLines: input.contextLines,
      maxMatches: input.maxMatches,
      found: [],
      skipped: [],
      records: [],
      bytes: 0,
      work: 0,
      files: 0,
      visited: 0,
      walkMeter,
      stop: undefined,
    };
    if (info.type === "file") {
      if (resumeAt?.kind === "walk")
        throw new ToolError("invalid_arguments", "cursor is not one this server returned for this search", {
          parameter: "cursor",
        });
      if (!include || include(base.name)) await searchFile(sandbox, state, base, resumeAt ?? { offset: 0, line: 1 });
    } else {
      await searchDirectory(sandbox, state, include, resumeAt);
    }
    const nextCursor = state.stop ? encodeSearchCursor(base, state.stop.position) : undefined;
    const lines = toText(state.found, input.contextLines);
    if (state.skipped.length > 0) {
      const longLines =
        matcher.kind === "regex" && state.skipped.some((s) => s.reason === "line_too_long")
          ? `; with this pattern a regex tests lines of at most ${matcher.maxLineChars} characters, a literal search ` +
            "(regex: false) lines of up to 1 MiB"
          : "";
      lines.push(`(skipped ${state.skipped.length} file(s) that are not searchable text${longLines})`);
    }
    if (state.stop) {
      lines.push(
        `(search stopped early because ${STOP_TEXT[state.stop.reason]}; results are incomplete: call again with cursor "${nextCursor}" for more)`,
      );
    }
    const withMatches = new Set(state.found.map((match) => match.path));
    const shownRecords = state.records.filter(
      (record) => withMatches.has(`/${record.path}`) || withMatches.has(`/${escapeInvisibleName(record.path)}`),
    );
    return withMeta(
      textResult(lines.join("\n"), {
        path: base.display,
        matches: state.found,
        filesSearched: state.files,
        bytesScanned: state.bytes,
        skipped: state.skipped,
        truncated: state.stop !== undefined,
        ...(state.stop ? { truncatedBy: state.stop.reason, nextCursor } : {}),
      }),
      contentMeta(shownRecords),
    );
  },
});
