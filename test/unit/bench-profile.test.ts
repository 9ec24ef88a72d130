/**
 * The benchmark's profile reader and goal table (bench/lib/cpu-profile.mjs, bench/lib/goals.mjs): a
 * descheduled gap is clipped instead of charged, the audit consumer's samples are summed apart, zod's
 * time is credited to whoever called it, and a goal's verdict follows its direction (never a failure).
 */
import { describe, expect, it } from "vitest";
import { attributeProfile } from "../../bench/lib/cpu-profile.mjs";
import { formatGoals, verdict } from "../../bench/lib/goals.mjs";

// A fake source map: line N of index.js comes from SOURCES[N].
const SOURCES: Record<number, string> = {
  1: "../node_modules/zod/v4/core/schemas.js",
  2: "../src/config/config.ts",
  3: "../src/audit-consumer.ts",
  4: "../src/http/edge.ts",
};
const map = { originalPositionFor: ({ line }: { line: number }) => ({ source: SOURCES[line - 1] ?? null }) };
const frame = (functionName: string, lineNumber: number) => ({
  functionName,
  url: "file:///index.js",
  lineNumber,
  columnNumber: 0,
});

/** root → config (2) → zod (1); root → consumer (3) → edge (4); root → (idle). */
const profile = {
  nodes: [
    { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1, columnNumber: -1 }, children: [2, 4, 6] },
    { id: 2, callFrame: frame("parseConfig", 2), children: [3] },
    { id: 3, callFrame: frame("object", 1) },
    { id: 4, callFrame: frame("consume", 3), children: [5] },
    { id: 5, callFrame: frame("handle", 4) },
    { id: 6, callFrame: { functionName: "(idle)", url: "", lineNumber: -1, columnNumber: -1 } },
  ],
  // sample i lasts timeDeltas[i + 1] µs
  samples: [3, 3, 5, 6, 3],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100],
};

describe("attributeProfile", () => {
  it("credits zod to its caller, sums the side's samples, leaves idle out", () => {
    const { active, self, side } = attributeProfile(profile, map, {
      viaCaller: new Set(["zod"]),
      isSide: (source: string) => source.endsWith("src/audit-consumer.ts"),
    });
    expect(active).toBeCloseTo(0.4);
    expect(self.get("zod ← src/config")).toBeCloseTo(0.3);
    expect(side).toBeCloseTo(0.1);
  });

  it("clips a gap longer than a few sampling intervals (the thread was descheduled)", () => {
    const long = { ...profile, timeDeltas: [0, 100, 100, 100, 100, 50_000, 100] };
    const { active } = attributeProfile(long, map);
    expect(active).toBeLessThan(1);
  });
});

describe("goals", () => {
  it("judges each goal in its own direction and says when a figure is missing", () => {
    expect(verdict({ measured: 1.2, target: 1.25 })).toBe("met");
    expect(verdict({ measured: 0.6, target: 0.7, higherIsBetter: true })).toBe("not met");
    expect(verdict({ target: 1.5 })).toBe("not measured");
    const table = formatGoals([{ goal: "dlp", target: 1.5, unit: "x", missing: "no scanner" }]);
    expect(table).toContain("not measured");
    expect(table).toContain("no scanner");
  });
});
