/**
 * `directory_tree`: the reference server's tool (path, excludePatterns): a JSON tree of
 * `{name, type, children}` (children on directories only), as text for the model and as
 * structuredContent. Exclude patterns work as in search_files.
 *
 * Bounded: one call examines at most MAX_WALK_VISITED stored objects and spends at most WALK_WORK_BUDGET
 * units (objects listed, glob alternatives tested). Past either the tree is marked
 * truncated (in the structured result and in a second text block, so the first stays valid JSON) and
 * comes with a cursor; the next call returns the rest of the tree below the same root, with the
 * directories it lies in, so the two trees merge by name.
 */
import * as z from "zod";
import { compileGlobSet, createWorkMeter, matchesSelfOrAncestor, meteredMatcher } from "../files/glob";
import { MAX_WALK_VISITED, WALK_OBJECT_UNITS, WALK_WORK_BUDGET } from "../files/limits";
import { escapeInvisible } from "../sandbox/invisible-characters";
import { cursorField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, type ToolOutput } from "./tool-definition";

interface TreeNode {
  name: string;
  type: "file" | "directory";
  children?: TreeNode[];
}

const treeNode: z.ZodType<TreeNode> = z.object({
  name: z.string(),
  type: z.enum(["file", "directory"]),
  get children() {
    return z.array(treeNode).optional();
  },
});

function sortTree(nodes: TreeNode[]): void {
  nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const node of nodes) if (node.children) sortTree(node.children);
}

export const directoryTree = defineTool({
  name: "directory_tree",
  title: "Directory tree",
  description:
    "Get a recursive tree of the files and directories below a directory, as JSON: each entry has 'name', 'type' " +
    "('file' or 'directory') and, for directories, 'children'. excludePatterns skip paths and whole directories " +
    `('node_modules', '**/*.log'). Examines at most ${MAX_WALK_VISITED} stored objects per call (fewer with many exclude ` +
    "patterns); a larger tree is marked " +
    "truncated and comes with a nextCursor for the rest.",
  scope: "files:read",
  input: z.object({
    path: pathField.default("/"),
    excludePatterns: z
      .array(z.string())
      .default([])
      .describe("Globs of paths to leave out, with everything under them"),
    cursor: cursorField.optional(),
  }),
  output: z.object({
    path: z.string(),
    tree: z.array(treeNode),
    truncated: z.boolean().describe("True when the tree is incomplete; call again with nextCursor for the rest"),
    visited: z.number().describe("Stored objects examined by this call"),
    nextCursor: z.string().optional(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cost: () => ({ units: 5 }),
  actions: ["list"],
  // It shows everything below the path.
  access: ({ path }) => [touch("list", path, "path")],
  async run({ path: raw, excludePatterns, cursor }, { sandbox }): Promise<ToolOutput> {
    const base = sandbox.resolve(raw, "path");
    const meter = createWorkMeter(WALK_WORK_BUDGET);
    const excluded = meteredMatcher(compileGlobSet(excludePatterns, "excludePatterns", { matchBase: true }), meter);
    const root: TreeNode[] = [];
    const directories = new Map<string, TreeNode[]>([["", root]]);
    const depth = base.segments.length;

    /** The children array of the directory at `segments`, creating missing nodes on the way. */
    const childrenOf = (segments: readonly string[]): TreeNode[] => {
      const key = segments.join("/");
      let children = directories.get(key);
      if (!children) {
        const node: TreeNode = { name: escapeInvisible(segments.at(-1)!), type: "directory", children: [] };
        childrenOf(segments.slice(0, -1)).push(node);
        children = node.children!;
        directories.set(key, children);
      }
      return children;
    };

    const summary = await sandbox.walk(base, { cursor, maxVisited: MAX_WALK_VISITED }, (entries) => {
      meter.spend(WALK_OBJECT_UNITS);
      for (const entry of entries) {
        const segments = entry.path.segments.slice(depth);
        if (excludePatterns.length > 0 && matchesSelfOrAncestor(excluded, segments.join("/"))) continue;
        if (entry.type === "directory") childrenOf(segments);
        else childrenOf(segments.slice(0, -1)).push({ name: entry.path.displayName, type: "file" });
      }
      return !meter.exhausted;
    });
    sortTree(root);
    const truncated = summary.nextCursor !== undefined;
    const content: ToolOutput["content"] = [{ type: "text", text: JSON.stringify(root, null, 2) }];
    if (truncated) {
      content.push({
        type: "text",
        text: `(tree truncated after examining ${summary.visited} objects: call again with cursor "${summary.nextCursor}" for the rest)`,
      });
    }
    return {
      content,
      structuredContent: {
        path: base.display,
        tree: root,
        truncated,
        visited: summary.visited,
        ...(truncated ? { nextCursor: summary.nextCursor } : {}),
      },
    };
  },
});
