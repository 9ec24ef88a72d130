/**
 * Interleaved rounds: in every round each request kind is measured on the product and on the bare
 * Worker back to back (which one goes first alternates), so both see the same machine load and the
 * ratio of one round is a fair comparison even when other work shares the CPU. The figures reported
 * are medians over rounds; the spread is the smallest and largest per-round ratio.
 */
import { measureLatency, measureThroughput, median, percentile } from "./load.mjs";

/**
 * @param {{ scenarios: any[], product: any, bare: any, rounds: number, latencyCount: number,
 *   throughputCount: number, concurrency: number, phaseDeadlineMs: number, progress: (s: string) => void }} plan
 */
export async function runRounds(plan) {
  const { scenarios, rounds, concurrency } = plan;
  const sides = { product: plan.product, bare: plan.bare };
  const results = scenarios.map((scenario) => ({ scenario, rounds: [] }));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ["product", "bare"] : ["bare", "product"];
    for (const result of results) {
      const { scenario } = result;
      const figures = {};
      for (const side of order) {
        const lat = await measureLatency(
          sides[side].send,
          scenario[side],
          scenario.ok,
          plan.latencyCount,
          plan.phaseDeadlineMs,
        );
        figures[side] = {
          p50: percentile(lat.samples, 0.5),
          p99: percentile(lat.samples, 0.99),
          failures: lat.failures,
        };
      }
      for (const side of order) {
        const thr = await measureThroughput(
          sides[side].send,
          scenario[side],
          scenario.ok,
          plan.throughputCount,
          concurrency,
          plan.phaseDeadlineMs,
        );
        figures[side].rps = thr.rps;
        figures[side].failures += thr.failures;
      }
      result.rounds.push(figures);
      plan.progress(
        `round ${round + 1}/${rounds} ${scenario.name}: p50 ${figures.product.p50.toFixed(2)} vs ${figures.bare.p50.toFixed(2)} ms, ` +
          `${figures.product.rps.toFixed(0)} vs ${figures.bare.rps.toFixed(0)} req/s`,
      );
    }
  }
  return results.map(({ scenario, rounds: perRound }) => summarise(scenario.name, perRound));
}

function summarise(name, perRound) {
  const figure = (metric) => {
    const product = perRound.map((r) => r.product[metric]);
    const bare = perRound.map((r) => r.bare[metric]);
    const ratios = perRound.map((r) => r.product[metric] / r.bare[metric]).filter(Number.isFinite);
    return {
      product: median(product),
      bare: median(bare),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
    };
  };
  return {
    name,
    p50: figure("p50"),
    p99: figure("p99"),
    rps: figure("rps"),
    failures: {
      product: perRound.reduce((n, r) => n + r.product.failures, 0),
      bare: perRound.reduce((n, r) => n + r.bare.failures, 0),
    },
  };
}

const fmtRatio = (f) =>
  Number.isFinite(f.ratio) ? `${f.ratio.toFixed(2)}x [${f.ratioMin.toFixed(2)}-${f.ratioMax.toFixed(2)}]` : "n/a";

/** The table `npm run bench` prints: product figure, bare figure, ratio with its spread over rounds. */
export function formatTable(summaries, { rounds, concurrency }) {
  const rows = [
    [
      "request",
      "c=1 p50 ms",
      "bare",
      "ratio [spread]",
      "c=1 p99 ms",
      "bare",
      "ratio [spread]",
      `c=${concurrency} req/s`,
      "bare",
      "ratio [spread]",
      "failed",
    ],
  ];
  for (const s of summaries) {
    rows.push([
      s.name,
      s.p50.product.toFixed(2),
      s.p50.bare.toFixed(2),
      fmtRatio(s.p50),
      s.p99.product.toFixed(2),
      s.p99.bare.toFixed(2),
      fmtRatio(s.p99),
      s.rps.product.toFixed(0),
      s.rps.bare.toFixed(0),
      fmtRatio(s.rps),
      `${s.failures.product}/${s.failures.bare}`,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  "),
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.push(
    `medians of ${rounds} interleaved round(s); ratio = product / bare Worker in the same round (for req/s higher is better); ` +
      "spread = lowest and highest per-round ratio; failed = product/bare requests that got no proper answer",
  );
  return lines.join("\n");
}
