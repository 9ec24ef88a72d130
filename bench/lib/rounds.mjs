/**
 * Interleaved rounds: in every round each request kind is measured on the product and on the bare
 * Worker interleaved (c=1 latency request by request, c=N throughput in short alternating bursts; which
 * side goes first alternates), so both see the same machine load and the ratio of one round is a fair
 * comparison even when other work shares the CPU. The figures reported
 * are medians over rounds; the spread is the smallest and largest per-round ratio.
 */
import { measureLatency, measureThroughput, median, percentile } from "./load.mjs";
import { cpuSeconds } from "./sockets.mjs";

/**
 * @param {{ scenarios: any[], product: any, bare: any, rounds: number, latencyCount: number,
 *   throughputCount: number, concurrency: number, phaseDeadlineMs: number, progress: (s: string) => void }} plan
 */
export async function runRounds(plan) {
  const { scenarios, rounds } = plan;
  const sides = { product: plan.product, bare: plan.bare };
  const results = scenarios.map((scenario) => ({ scenario, rounds: [] }));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ["product", "bare"] : ["bare", "product"];
    for (const result of results) {
      const { scenario } = result;
      const latency = await interleavedLatency(sides, scenario, plan.latencyCount, plan.phaseDeadlineMs, order);
      const throughput = await alternatingThroughput(sides, scenario, plan, order);
      const figures = {};
      for (const side of order) {
        figures[side] = {
          p50: percentile(latency[side].samples, 0.5),
          p99: percentile(latency[side].samples, 0.99),
          rps: throughput[side].rps,
          cpuMs: throughput[side].cpuMs,
          failures: latency[side].failures + throughput[side].failures,
        };
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

/**
 * c=1, one request to each side in turn: both series see the same moments of machine load, which on a
 * shared machine matters more than anything else for a fair ratio.
 */
async function interleavedLatency(sides, scenario, count, deadlineMs, order) {
  const out = { product: { samples: [], failures: 0 }, bare: { samples: [], failures: 0 } };
  const perRequestDeadline = Math.max(1, deadlineMs / 2);
  for (let i = 0; i < count; i++) {
    for (const side of i % 2 === 0 ? order : [...order].reverse()) {
      const one = await measureLatency(sides[side].send, scenario[side], scenario.ok, 1, perRequestDeadline);
      out[side].samples.push(...one.samples);
      out[side].failures += one.failures;
    }
  }
  for (const side of order) out[side].samples.sort((a, b) => a - b);
  return out;
}

/** c=N in short alternating bursts (BURSTS per side), summed: req/s over the time each side ran. */
const BURSTS = 4;
async function alternatingThroughput(sides, scenario, plan, order) {
  const totals = {
    product: { good: 0, failures: 0, seconds: 0, cpu: 0 },
    bare: { good: 0, failures: 0, seconds: 0, cpu: 0 },
  };
  const perBurst = Math.max(plan.concurrency, Math.ceil(plan.throughputCount / BURSTS));
  for (let burst = 0; burst < BURSTS; burst++) {
    for (const side of burst % 2 === 0 ? order : [...order].reverse()) {
      const cpuBefore = sides[side].pid ? await cpuSeconds(sides[side].pid) : 0;
      const run = await measureThroughput(
        sides[side].send,
        scenario[side],
        scenario.ok,
        perBurst,
        plan.concurrency,
        plan.phaseDeadlineMs / BURSTS,
      );
      totals[side].good += run.good;
      totals[side].failures += run.failures;
      totals[side].seconds += run.seconds;
      if (sides[side].pid) totals[side].cpu += (await cpuSeconds(sides[side].pid)) - cpuBefore;
    }
  }
  const out = {};
  for (const side of order) {
    const t = totals[side];
    // CPU of the whole wrangler dev tree (proxy, workerd, log forwarding) per answered request.
    out[side] = {
      rps: t.good / t.seconds,
      failures: t.failures,
      cpuMs: t.good > 0 ? (t.cpu * 1000) / t.good : Number.NaN,
    };
  }
  return out;
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
    cpuMs: figure("cpuMs"),
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
      "CPU ms/req",
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
      Number.isFinite(s.cpuMs.product) ? s.cpuMs.product.toFixed(2) : "n/a",
      Number.isFinite(s.cpuMs.bare) ? s.cpuMs.bare.toFixed(2) : "n/a",
      fmtRatio(s.cpuMs),
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
      "spread = lowest and highest per-round ratio; CPU ms/req = CPU time of the whole wrangler dev process tree " +
      "(proxy, workerd, log forwarding) per answered request during the c=N bursts, largely independent of machine " +
      "load; failed = product/bare requests that got no proper answer",
  );
  return lines.join("\n");
}
