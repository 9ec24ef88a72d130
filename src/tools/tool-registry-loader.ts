/**
 * The tool registry, loaded on first use instead of at module load. Every tool module builds its zod
 * input/output schemas at its top level, and only the tools use the regex engine (RE2JS) and diffing; a
 * cold isolate, and every request refused before the MCP stage (blocked IP, failed authentication, a bad
 * body), should not pay for them. The dynamic import stays inside
 * the one bundle (esbuild evaluates the imported modules on the first call, once per isolate), so this
 * changes when the definitions are built, never what they are.
 */
import { loadOnce } from "../loading/load-once";
import type { ToolDefinition } from "./tool-definition";

export interface ToolRegistry {
  /** Every tool, in the order tools/list shows them (registry.ts). */
  readonly tools: readonly ToolDefinition[];
  findTool(name: string): ToolDefinition | undefined;
}

let loaded: ToolRegistry | undefined;

/** A failed load is not remembered: the next request tries again (and this one fails closed). */
export const loadToolRegistry: () => Promise<ToolRegistry> = loadOnce(() =>
  import("./registry").then(({ TOOLS, findTool }) => {
    loaded = { tools: TOOLS, findTool };
    return loaded;
  }),
);

/**
 * The registry for synchronous stages that run after the pipeline loaded it (the protocol-header check
 * of a tools/call's Mcp-Param-* headers). Used before that is a bug: it throws, and the request fails
 * closed with a 500 rather than skipping a check.
 */
export function loadedToolRegistry(): ToolRegistry {
  if (!loaded) throw new Error("the tool registry was used before loadToolRegistry() resolved");
  return loaded;
}
