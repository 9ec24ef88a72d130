/// <reference types="vite/client" />
/**
 * docs/policy.md's tool table is generated from the registry (scripts/lib/policy-tool-table.ts): this
 * fails when a tool, its scope or its declared actions changed without `npm run docs:policy-table`, or
 * when a new tool does not say what the storage gate checks on its objects.
 */
import { describe, expect, it } from "vitest";
import policyDoc from "../../../docs/policy.md?raw";
import { GATE_CHECKS, renderToolTable, withToolTable } from "../../../scripts/lib/policy-tool-table";
import { TOOLS } from "../../../src/tools/registry";

/** The formatter aligns table columns; the content is what must match. */
function normalized(markdown: string): string {
  return markdown
    .split("\n")
    .map((line) => (line.startsWith("|") ? line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---") : line))
    .join("\n");
}

describe("docs/policy.md tool table", () => {
  it("is the one generated from the registry", () => {
    expect(normalized(policyDoc)).toContain(normalized(renderToolTable()));
    expect(normalized(withToolTable(policyDoc))).toBe(normalized(policyDoc));
  });

  it("says, for every tool and only for tools, what the gate checks", () => {
    expect(Object.keys(GATE_CHECKS).sort()).toEqual(TOOLS.map((tool) => tool.name).sort());
  });
});
