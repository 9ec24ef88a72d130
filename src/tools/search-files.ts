/**
 * `search_files`: the reference server's tool (path, pattern, excludePatterns): paths below `path`
 * whose path relative to it matches the glob `pattern` (src/files/glob.ts has the semantics; `*.ts`
 * is the top level only, `**\/*.ts` any depth), files and directories alike. Excluded paths (and
 * everything under an excluded directory) never match; exclude patterns without `/` match a name at
 * any depth (`node_modules`).
 *
 * Bounded: the walk stops after MAX_WALK_VISITED stored objects, WALK_WORK_BUDGET units of work (objects
 * listed and glob alternatives tested: many patterns walk fewer objects per call) or about MAX_SEARCH_RESULTS matches
 * (an object can reveal a few directories at once, so a page may run over by at most the path depth),
 * says so, and returns a cursor that continues where it stopped. The trash is under another prefix,
 * so it never shows up here.
 */
import * as z from "zod";
import { compileGlobSet, createWorkMeter, matchesSelfOrAncestor, meteredMatcher } from "../files/glob";
import { MAX_SEARCH_RESULTS, MAX_WALK_VISITED, WALK_OBJECT_UNITS, WALK_WORK_BUDGET } from "../files/limits";
import { cursorField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const matchSchema = z.object({ path: z.string(), type: z.enum(["file", "directory"]), size: z.number() });

export const searchFiles = defineTool({
  name: "search_files",
  title: "Search files",
  description:
    "Find files and directories below a directory whose path (relative to it) matches a glob pattern: '*.ts' for the " +
    "directory itself, '**/*.ts' for any depth, 'src/**' for everything under src. excludePatterns skip paths and whole " +
    `directories ('node_modules', '**/*.log'). Returns up to ${MAX_SEARCH_RESULTS} matches and scans up to ${MAX_WALK_VISITED} ` +
    "stored objects per call (fewer with many or brace-heavy patterns); when it stops early it says so and returns a " +
    "nextCursor to continue.",
  scope: "files:read",
  input: z.object({
    path: pathField.default("/"),
    pattern: z.string().describe("Glob matched against paths relative to 'path'"),
    excludePatterns: z.array(z.string()).default([]).describe("Globs of paths to skip, with everything under them"),
    cursor: cursorField.optional(),
  }),
  output: z.object({
    path: z.string(),
    matches: z.array(matchSchema),
    truncated: z.boolean().describe("True when the search stopped early; call again with nextCursor for more"),
    truncatedBy: z.enum(["results", "visited", "work"]).optional(),
    visited: z.number().describe("Stored objects examined by this call"),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cost: () => ({ units: 5 }),
  actions: ["list"],
  // Its matches can lie anywhere below the path: the storage gate leaves out what the caller may not list.
  access: ({ path }) => [touch("list", path, "path")],
  async run({ path: raw, pattern, excludePatterns, cursor }, { sandbox }) {
    const base = sandbox.resolve(raw, "path");
    const meter = createWorkMeter(WALK_WORK_BUDGET);
    const matches = meteredMatcher(compileGlobSet([pattern], "pattern"), meter);
    const excluded = meteredMatcher(compileGlobSet(excludePatterns, "excludePatterns", { matchBase: true }), meter);
    const found: z.infer<typeof matchSchema>[] = [];
    const depth = base.segments.length;
    const summary = await sandbox.walk(base, { cursor, maxVisited: MAX_WALK_VISITED }, (entries) => {
      meter.spend(WALK_OBJECT_UNITS);
      for (const entry of entries) {
        const relative = entry.path.segments.slice(depth).join("/");
        if (excludePatterns.length > 0 && matchesSelfOrAncestor(excluded, relative)) continue;
        if (matches(relative)) found.push({ path: entry.path.display, type: entry.type, size: entry.size });
      }
      return found.length < MAX_SEARCH_RESULTS && !meter.exhausted;
    });
    const truncatedBy =
      summary.nextCursor === undefined
        ? undefined
        : summary.stoppedBy !== "visitor"
          ? "visited"
          : found.length >= MAX_SEARCH_RESULTS
            ? "results"
            : "work";
    const lines = found.length > 0 ? found.map((match) => match.path) : ["No matches found"];
    if (truncatedBy) {
      lines.push(
        `(search stopped early after ${truncatedBy === "results" ? `${found.length} matches` : `examining ${summary.visited} objects`}` +
          `${truncatedBy === "work" ? ", this call's work budget (fewer or simpler patterns examine more per call)" : ""}; ` +
          `results are incomplete: call again with cursor "${summary.nextCursor}" for more)`,
      );
    }
    return textResult(lines.join("\n"), {
      path: base.display,
      matches: found,
      truncated: truncatedBy !== undefined,
      ...(truncatedBy ? { truncatedBy, nextCursor: summary.nextCursor } : {}),
      visited: summary.visited,
    });
  },
});
