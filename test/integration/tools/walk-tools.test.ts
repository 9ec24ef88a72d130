/**
 * search_files and directory_tree through the SDK client, and listings at scale: 2,500 objects put
 * straight into R2 list in three pages; walks stop at their caps, say so, and resume exactly.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { WALK_OBJECT_UNITS, WALK_WORK_BUDGET } from "../../../src/files/limits";
import { Sandbox } from "../../../src/sandbox/sandbox";
import { testGate } from "../../support/gate";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession, type TenantSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("walks");
});

type Match = { path: string; type: string };
type SearchOut = { matches: Match[]; truncated: boolean; truncatedBy?: string; nextCursor?: string; visited: number };
type Node = { name: string; type: string; children?: Node[] };
type TreeOut = { tree: Node[]; truncated: boolean; nextCursor?: string; visited: number };

async function project(): Promise<TenantSession> {
  const s = await openSession(key);
  await s.seed({
    "README.md": "r",
    ".env": "e",
    "src/main.ts": "m",
    "src/util/strings.ts": "s",
    "src/util/strings.test.ts": "t",
    "src/app.js": "a",
    "node_modules/lib/index.ts": "n",
    "build/out.js": "b",
    "a.b/c.ts": "dot-dir",
  });
  await callTool(s.client, "create_directory", { path: "empty/inner" });
  await callTool(s.client, "delete_file", { path: "src/app.js" }); // in the trash: must never show up
  return s;
}

describe("search_files", () => {
  it("matches the whole relative path: '*.ts' at the top only, '**/*.ts' at any depth, files and directories", async () => {
    const s = await project();
    const top = await callTool(s.client, "search_files", { path: "src", pattern: "*.ts" });
    expect((top.structuredContent as SearchOut).matches.map((m) => m.path)).toEqual(["/src/main.ts"]);
    const deep = await callTool(s.client, "search_files", {
      pattern: "**/*.ts",
      excludePatterns: ["node_modules", "**/*.test.ts"],
    });
    expect((deep.structuredContent as SearchOut).matches.map((m) => m.path)).toEqual([
      "/a.b/c.ts",
      "/src/main.ts",
      "/src/util/strings.ts",
    ]);
    expect(textOf(deep)).toBe("/a.b/c.ts\n/src/main.ts\n/src/util/strings.ts");
    const dirs = await callTool(s.client, "search_files", { pattern: "**/util" });
    expect((dirs.structuredContent as SearchOut).matches).toEqual([{ path: "/src/util", type: "directory", size: 0 }]);
    const empties = await callTool(s.client, "search_files", { pattern: "empty/**" });
    expect((empties.structuredContent as SearchOut).matches.map((m) => m.path)).toEqual(["/empty/inner"]);
    expect((await callTool(s.client, "search_files", { pattern: ".*" })).structuredContent).toMatchObject({
      matches: [{ path: "/.env" }],
    });
  });

  it("never finds trashed files, and says 'No matches found'", async () => {
    const s = await project();
    const result = await callTool(s.client, "search_files", { pattern: "**/app.js" });
    expect(textOf(result)).toBe("No matches found");
    expect(result.structuredContent).toMatchObject({ matches: [], truncated: false });
  });

  it("refuses bad globs, a file as the root, a missing root and a forged cursor", async () => {
    const s = await project();
    expect(errorCodeOf(await callTool(s.client, "search_files", { pattern: "" }))).toBe("invalid_arguments");
    expect(errorCodeOf(await callTool(s.client, "search_files", { pattern: "/src/**" }))).toBe("invalid_arguments");
    expect(
      errorCodeOf(
        await callTool(s.client, "search_files", { pattern: "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}" }),
      ),
    ).toBe("invalid_arguments");
    expect(
      errorCodeOf(await callTool(s.client, "search_files", { pattern: "*", excludePatterns: ["x".repeat(300)] })),
    ).toBe("invalid_arguments");
    expect(errorCodeOf(await callTool(s.client, "search_files", { path: "README.md", pattern: "*" }))).toBe(
      "not_a_directory",
    );
    expect(errorCodeOf(await callTool(s.client, "search_files", { path: "nope", pattern: "*" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "search_files", { pattern: "*", cursor: "w1.Li4vLi4vb3RoZXI" }))).toBe(
      "invalid_arguments",
    );
    expect(errorCodeOf(await callTool(s.client, "search_files", { pattern: "*", cursor: "garbage" }))).toBe(
      "invalid_arguments",
    );
  });
});

describe("directory_tree", () => {
  it("returns a JSON tree of {name, type, children}, with exclusions and empty directories", async () => {
    const s = await project();
    const result = await callTool(s.client, "directory_tree", {
      path: "/",
      excludePatterns: ["node_modules", "build"],
    });
    const out = result.structuredContent as TreeOut;
    expect(out.truncated).toBe(false);
    expect(JSON.parse(textOf(result))).toEqual(out.tree);
    expect(out.tree).toEqual([
      { name: ".env", type: "file" },
      { name: "README.md", type: "file" },
      { name: "a.b", type: "directory", children: [{ name: "c.ts", type: "file" }] },
      { name: "empty", type: "directory", children: [{ name: "inner", type: "directory", children: [] }] },
      {
        name: "src",
        type: "directory",
        children: [
          { name: "main.ts", type: "file" },
          {
            name: "util",
            type: "directory",
            children: [
              { name: "strings.test.ts", type: "file" },
              { name: "strings.ts", type: "file" },
            ],
          },
        ],
      },
    ]);
    const sub = await callTool(s.client, "directory_tree", { path: "src/util" });
    expect((sub.structuredContent as TreeOut).tree.map((n) => n.name)).toEqual(["strings.test.ts", "strings.ts"]);
  });

  it("refuses a file, a missing path and bad exclude patterns", async () => {
    const s = await project();
    expect(errorCodeOf(await callTool(s.client, "directory_tree", { path: "README.md" }))).toBe("not_a_directory");
    expect(errorCodeOf(await callTool(s.client, "directory_tree", { path: "missing" }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "directory_tree", { excludePatterns: [""] }))).toBe(
      "invalid_arguments",
    );
  });
});

describe("a large directory", () => {
  const COUNT = 2500;
  let s: TenantSession;

  beforeAll(async () => {
    s = await openSession(key);
    const names = Array.from({ length: COUNT }, (_, i) => `big/f${String(i).padStart(5, "0")}.txt`);
    for (let i = 0; i < names.length; i += 250) {
      await Promise.all(names.slice(i, i + 250).map((name) => env.FILES.put(`files/${s.tenant}/${name}`, "x")));
    }
    await s.seed({ "big/sub/deep.md": "d" });
  }, 60_000); // 2,500 puts: seconds alone, longer when the whole suite runs in parallel

  it("lists in pages of 1000 with a cursor, every entry exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await callTool(s.client, "list_directory", { path: "big", ...(cursor ? { cursor } : {}) });
      const out = result.structuredContent as { entries: { name: string }[]; nextCursor?: string };
      seen.push(...out.entries.map((e) => e.name));
      cursor = out.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(COUNT + 1);
    expect(seen).toContain("sub");
  });

  it("list_directory_with_sizes pages too, with per-page totals", async () => {
    const first = await callTool(s.client, "list_directory_with_sizes", { path: "big" });
    const out = first.structuredContent as { entries: unknown[]; totalFiles: number; nextCursor?: string };
    expect(out.entries).toHaveLength(1000);
    expect(out.totalFiles).toBe(1000);
    expect(out.nextCursor).toBeDefined();
    expect(textOf(first)).toContain("totals cover this page");
  });

  it("search_files stops at 1000 results, says so, and resumes to find each match exactly once", async () => {
    const found: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const result = await callTool(s.client, "search_files", {
        path: "big",
        pattern: "**/*.txt",
        ...(cursor ? { cursor } : {}),
      });
      const out = result.structuredContent as SearchOut;
      found.push(...out.matches.map((m) => m.path));
      if (out.truncated) {
        expect(out.truncatedBy).toBe("results");
        expect(out.matches).toHaveLength(1000);
        expect(textOf(result)).toContain("results are incomplete");
      }
      cursor = out.nextCursor;
      calls++;
    } while (cursor);
    expect(calls).toBe(3);
    expect(found).toHaveLength(COUNT);
    expect(new Set(found).size).toBe(COUNT);
  });

  it("directory_tree stops on its work budget (objects listed) and its pages hold the whole tree", async () => {
    const first = (await callTool(s.client, "directory_tree", { path: "big" })).structuredContent as TreeOut;
    expect(first.truncated).toBe(true);
    expect(first.visited).toBe(Math.ceil(WALK_WORK_BUDGET / WALK_OBJECT_UNITS));
    let total = first.tree.length;
    let cursor = first.nextCursor;
    while (cursor) {
      const page = (await callTool(s.client, "directory_tree", { path: "big", cursor })).structuredContent as TreeOut;
      total += page.tree.length; // "sub" (the only directory) sorts last: on one page only
      cursor = page.nextCursor;
    }
    expect(total).toBe(COUNT + 1);
  });

  // 2^6 = 64 alternatives: every path costs 64 tests (a few pages, within the rate limit's units).
  const BRACES = "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}";

  it("search_files stops on its work budget with many pattern alternatives, and pages through every match once", async () => {
    const found: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const result = await callTool(s.client, "search_files", {
        path: "big",
        pattern: "**/*.txt",
        excludePatterns: [BRACES],
        ...(cursor ? { cursor } : {}),
      });
      const out = result.structuredContent as SearchOut;
      found.push(...out.matches.map((m) => m.path));
      if (out.truncated) {
        expect(out.truncatedBy).toBe("work");
        // Each object costs its listing plus 1 + 64 glob tests.
        expect(out.visited).toBe(Math.ceil(WALK_WORK_BUDGET / (WALK_OBJECT_UNITS + 1 + 64)));
        expect(textOf(result)).toContain("work budget");
      }
      cursor = out.nextCursor;
      calls++;
    } while (cursor && calls < 100);
    expect(calls).toBeGreaterThan(2);
    expect(found).toHaveLength(COUNT);
    expect(new Set(found).size).toBe(COUNT);
  });

  it("directory_tree stops on its work budget with many exclude alternatives, and the pages hold every file once", async () => {
    const names: string[] = [];
    const collect = (nodes: { name: string; type: string; children?: unknown[] }[]) => {
      for (const node of nodes) {
        if (node.type === "file") names.push(node.name);
        else collect((node.children ?? []) as typeof nodes);
      }
    };
    let cursor: string | undefined;
    let calls = 0;
    do {
      const result = await callTool(s.client, "directory_tree", {
        path: "big",
        excludePatterns: [BRACES],
        ...(cursor ? { cursor } : {}),
      });
      const out = result.structuredContent as TreeOut;
      collect(out.tree as never);
      if (out.truncated) expect(out.visited).toBe(Math.ceil(WALK_WORK_BUDGET / (WALK_OBJECT_UNITS + 64)));
      cursor = out.nextCursor;
      calls++;
    } while (cursor && calls < 100);
    expect(calls).toBeGreaterThan(2);
    expect(names).toHaveLength(COUNT + 1);
    expect(new Set(names).size).toBe(COUNT + 1);
  });

  it("a walk stops at its visit cap with a cursor, resumes without repeats, and reports each directory once", async () => {
    const sandbox = new Sandbox(env.FILES, s.tenant, { gate: testGate() });
    const root = sandbox.resolve("/", "path");
    const seen: string[] = [];
    let cursor: string | undefined;
    let walks = 0;
    do {
      const summary = await sandbox.walk(root, { cursor, maxVisited: 700 }, (entries) => {
        seen.push(...entries.map((entry) => `${entry.type}:${entry.path.display}`));
        return true;
      });
      if (summary.nextCursor) expect(summary).toMatchObject({ visited: 700, stoppedBy: "max_visited" });
      cursor = summary.nextCursor;
      walks++;
    } while (cursor);
    expect(walks).toBe(4);
    expect(seen.filter((entry) => entry.startsWith("file:"))).toHaveLength(COUNT + 1);
    expect(seen.filter((entry) => entry.startsWith("directory:"))).toEqual(["directory:/big", "directory:/big/sub"]);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
