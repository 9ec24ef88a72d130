/// <reference types="vite/client" />
/**
 * The folder rule of docs/architecture.md, checked on the source itself: no two folders under src/
 * import each other, directly or round a loop (the `config` ↔ `limits` cycle once crept in this way),
 * and the sandbox stays free of HTTP, MCP and limits code.
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

/** `src/<folder>/…` → folder; a file directly in src/ is its own node (`app`, `env`, `index`). */
function folderOf(path: string): string {
  const parts = path.replace(/^(\.\.\/)+src\//, "").split("/");
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, "");
}

function resolve(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of specifier.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  return parts.join("/");
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [path, text] of Object.entries(sources)) {
    const from = folderOf(path);
    for (const match of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      const to = folderOf(resolve(path, match[1]!));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

function cycles(graph: Map<string, Set<string>>): string[] {
  const found: string[] = [];
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) found.push([...path.slice(at), next].join(" → "));
      else visit(next, [...path, next]);
    }
  };
  for (const node of graph.keys()) visit(node, [node]);
  return found;
}

describe("folder dependencies", () => {
  it("reads the source tree", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(50);
  });

  it("has no import cycle between folders", () => {
    expect(cycles(folderGraph())).toEqual([]);
  });

  it("keeps config and errors free of our other folders, and the sandbox free of HTTP, MCP and limits", () => {
    const graph = folderGraph();
    // The one exception: ACCESS_POLICY is parsed by the pure policy folder, which itself depends on
    // nothing but the glob matcher (files), errors, encoding and the pure sensitive-data folder (content:
    // the label names a rule's `labels` may use), checked below.
    expect([...(graph.get("config") ?? [])]).toEqual(["policy"]);
    expect([...(graph.get("errors") ?? [])]).toEqual([]);
    for (const forbidden of ["http", "mcp", "limits", "tools", "app"]) {
      expect(graph.get("sandbox")?.has(forbidden) ?? false, forbidden).toBe(false);
    }
    expect([...(graph.get("policy") ?? [])].sort()).toEqual(["content", "encoding", "errors", "files"]);
    // content is pure too: no storage, no HTTP, no policy.
    expect([...(graph.get("content") ?? [])].sort()).toEqual(["errors", "files"]);
  });
});
