/**
 * The performance issue's goals (docs/performance.md, "Goals"), each with the figure this run measured,
 * the target and whether it is met. Printed, never enforced: a goal not met is a finding for the closing
 * note, not a failed run (figures move with the machine's load; tests never fail on time).
 */

/**
 * @typedef {{ goal: string, measured?: number, target: number, unit: "x" | "ms" | "KiB",
 *   higherIsBetter?: boolean, detail?: string, missing?: string }} Goal
 *   measured: undefined when this run did not measure it (then `missing` says why)
 */

/** @param {Goal} goal @returns {"met" | "not met" | "not measured"} */
export function verdict({ measured, target, higherIsBetter = false }) {
  if (measured === undefined || !Number.isFinite(measured)) return "not measured";
  return (higherIsBetter ? measured >= target : measured <= target) ? "met" : "not met";
}

const figure = (value, unit) => (unit === "x" ? `${value.toFixed(2)}x` : `${value.toFixed(1)} ${unit}`);

/** @param {Goal[]} goals */
export function formatGoals(goals) {
  const rows = goals.map((g) => [
    g.goal,
    g.measured === undefined || !Number.isFinite(g.measured) ? "-" : figure(g.measured, g.unit),
    `${g.higherIsBetter ? ">=" : "<="} ${figure(g.target, g.unit)}`,
    verdict(g),
    g.measured === undefined || !Number.isFinite(g.measured) ? (g.missing ?? "") : (g.detail ?? ""),
  ]);
  const header = ["goal", "measured", "target", "verdict", "how / why not measured"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : i === 1 || i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]),
      )
      .join("  ");
  return [
    "goals of the performance issue (ratios are product / bare Worker in this run; never a failure):",
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ].join("\n");
}
