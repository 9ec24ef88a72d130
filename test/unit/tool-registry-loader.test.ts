/**
 * The tool registry loaded on first use (src/tools/tool-registry-loader.ts): the same tools in the same
 * order as the registry itself, one load per isolate, and a lookup that finds exactly the registered names.
 */
import { describe, expect, it } from "vitest";
import { findTool, TOOLS } from "../../src/tools/registry";
import { loadedToolRegistry, loadToolRegistry } from "../../src/tools/tool-registry-loader";

describe("loadToolRegistry", () => {
  // First in this file (its own module state): a synchronous stage that runs too early fails closed.
  it("refuses a synchronous lookup before the registry was loaded", () => {
    expect(() => loadedToolRegistry()).toThrow(/before loadToolRegistry/);
  });

  it("hands out the registry's own tools, in tools/list order, and loads once", async () => {
    const first = await loadToolRegistry();
    expect(first.tools).toBe(TOOLS);
    expect(first.tools.map((tool) => tool.name)).toContain("read_text_file");
    expect(await loadToolRegistry()).toBe(first);
    expect(loadedToolRegistry()).toBe(first);
  });

  it("finds a tool by its exact name only", async () => {
    const { findTool: find } = await loadToolRegistry();
    expect(find("read_text_file")).toBe(findTool("read_text_file"));
    expect(find("READ_TEXT_FILE")).toBeUndefined();
    expect(find("__proto__")).toBeUndefined();
  });
});
