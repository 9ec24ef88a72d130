/**
 * The first request after a cold start, as `npm run bench -- --startup` reports it (the measuring is in
 * startup.mjs and cold-probe.mjs). Parts loaded on first use are not free: the first request that needs
 * them pays, so startup is always printed with what the first request then pays and the total of both.
 */
import { median } from "./median.mjs";

/**
 * @param {Record<string, { eval: number, first: number, warm: number }[]>} results per request kind,
 *   one row per fresh process: CPU ms of evaluating the bundle, of the first request, of the same again
 */
export function summarizeFirstRequests(results) {
  const summary = {};
  for (const [kind, rows] of Object.entries(results)) {
    const pick = (f) => median(rows.map(f));
    summary[kind] = {
      evalMs: pick((r) => r.eval),
      firstMs: pick((r) => r.first),
      warmMs: pick((r) => r.warm),
      onceMs: pick((r) => r.first - r.warm),
      coldTotalMs: pick((r) => r.eval + r.first - r.warm),
      runs: rows.length,
    };
  }
  return summary;
}

const COLD_LABELS = { "mcp-tools-list": "POST /mcp tools/list (JWT)", healthz: "GET /healthz" };

/** What the first request pays on top of startup: moving cost to first use is not removing it. */
export function formatFirstRequests(firstRequests) {
  const lines = [
    "the first request after a cold start (Node, CPU time, median of fresh processes; parts loaded on first use are paid here):",
  ];
  for (const [kind, r] of Object.entries(firstRequests)) {
    lines.push(
      `  ${(COLD_LABELS[kind] ?? kind).padEnd(28)} first ${r.firstMs.toFixed(1)} ms, warm ${r.warmMs.toFixed(1)} ms: ` +
        `pays ${r.onceMs.toFixed(1)} ms once; cold total (evaluation + that) ${r.coldTotalMs.toFixed(1)} ms over ${r.runs} runs`,
    );
  }
  return lines;
}

/** Two checkouts' startup side by side (--baseline-root): the same figures, before → after. */
export function formatStartupComparison(before, after) {
  const arrow = (a, b, digits = 1) => `${a.toFixed(digits)} → ${b.toFixed(digits)}`;
  const lines = [
    "before → after (the baseline checkout → this one, same run):",
    `  bundle gzip ${arrow(before.gzipBytes / 1024, after.gzipBytes / 1024)} KiB`,
    `  wrangler check startup median ${arrow(before.activeMs, after.activeMs)} ms, lowest ${arrow(Math.min(...before.actives), Math.min(...after.actives))} ms`,
    `  module evaluation in Node ${arrow(before.nodeCpuMs, after.nodeCpuMs)} ms (lowest ${arrow(Math.min(...before.nodeCpus), Math.min(...after.nodeCpus))})`,
  ];
  for (const kind of Object.keys(after.firstRequests ?? {})) {
    const b = before.firstRequests?.[kind];
    const a = after.firstRequests[kind];
    if (!b) continue;
    lines.push(
      `  ${(COLD_LABELS[kind] ?? kind).padEnd(28)} first request pays once ${arrow(b.onceMs, a.onceMs)} ms; ` +
        `cold total ${arrow(b.coldTotalMs, a.coldTotalMs)} ms; warm ${arrow(b.warmMs, a.warmMs)} ms`,
    );
  }
  return lines.join("\n");
}
