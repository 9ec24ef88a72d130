/**
 * The tool registry loaded on first use (src/tools/tool-registry-loader.ts): the same tools in the same
 * order as the registry itself, one load per isolate, and a lookup that finds exactly the registered names.
 */
import { describe, expect, it } from "vitest";
import { findTool, TOOLS } from "../../src/tools/registry";
import { loadToolRegistry } from "../../src/tools/tool-registry-loader";

describe("loadToolRegistry", () => {
  it("hands out the registry's own tools, in tools/list order, and loads once", async () => {
    const first = await loadToolRegistry();
    expect(first.tools).toBe(TOOLS);
    expect(first.tools.map((tool) => tool.name)).toContain("read_text_file");
    expect(await loadToolRegistry()).toBe(first);
  });

  it("finds a tool by its exact name only", async () => {
    const { findTool: find } = await loadToolRegistry();
    expect(find("read_text_file")).toBe(findTool("read_text_file"));
    expect(find("READ_TEXT_FILE")).toBeUndefined();
    expect(find("__proto__")).toBeUndefined();
  });
});
