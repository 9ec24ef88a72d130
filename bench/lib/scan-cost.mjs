/**
 * The goal "a 4 MiB text read with sensitive-data scanning costs ≤ 1.5x the same read without it": the
 * product and its bench-only build without scanning (bench/lib/unscanned.mjs) each store the same
 * 4 MiB text, then both are CPU-profiled through their inspectors while reading it back with
 * `read_text_file`, at the same time under the same load (bench/lib/profile.mjs). The ratio is the
 * product's Worker CPU per read over the unscanned build's, each counting its whole isolate (the
 * request path and the audit consumer, as the per-call goal does).
 */

export const SCAN_COST_PATH = "bench/scan-cost-4mib.txt";
const MIB = 1024 * 1024;
/** Under the 4 MiB write and whole-read caps, in UTF-8 bytes. */
const MAX_BYTES = 4 * MIB - 4096;

/**
 * The 4 MiB text: the labelled corpus's documents (secrets, personal data, negatives) repeated, as
 * `--dlp`'s "mixed" input, so the scanned read redacts thousands of spans: the dear case, not the cheap one.
 */
export async function buildScanCostText(root) {
  // Imported here (esbuild): the module's pure part is also loaded by unit tests inside workerd.
  const { bundleForNode } = await import("./bundle-for-node.mjs");
  const { buildCorpus } = await bundleForNode(root, { "test/fixtures/dlp/corpus.ts": ["buildCorpus"] });
  const unit = buildCorpus()
    .map((document) => document.text)
    .join("\n");
  return fitToBytes(unit.repeat(Math.ceil(MAX_BYTES / unit.length)), MAX_BYTES);
}

/** The longest prefix of `text` whose UTF-8 form fits in `maxBytes`, cut at a line end. */
export function fitToBytes(text, maxBytes) {
  let cut = Math.min(text.length, maxBytes);
  const bytes = (s) => new TextEncoder().encode(s).byteLength;
  for (let over = bytes(text.slice(0, cut)) - maxBytes; over > 0; over = bytes(text.slice(0, cut)) - maxBytes)
    cut -= over;
  const lineEnd = text.lastIndexOf("\n", cut - 1);
  return text.slice(0, lineEnd > 0 ? lineEnd + 1 : cut);
}

/**
 * Fails the run when the unscanned build scanned after all (an alias that no longer matched) or the
 * product did not: the comparison would then measure nothing.
 */
export function checkScanCostAnswers({ scanned, unscanned }) {
  if (!scanned.includes("[REDACTED:")) {
    throw new Error("scan cost: the product's read of the 4 MiB text shows no redaction; it is not the scanned read");
  }
  if (unscanned.includes("[REDACTED:")) {
    throw new Error(
      "scan cost: the unscanned build redacted the 4 MiB text: its alias no longer replaces the scan (bench/lib/unscanned.mjs)",
    );
  }
}

/** The goal row (bench/lib/goals.mjs) from the two profiles. */
export function scanCostGoal({ scanned, unscanned, bytes, processCpu }) {
  const ratio = scanned.perRequestMs / unscanned.perRequestMs;
  return {
    goal: "4 MiB text read with sensitive-data scanning / without",
    measured: ratio,
    target: 1.5,
    unit: "x",
    detail:
      `${scanned.perRequestMs.toFixed(1)} vs ${unscanned.perRequestMs.toFixed(1)} ms Worker CPU per read_text_file of ` +
      `${(bytes / MIB).toFixed(2)} MiB (CPU profiles, ${scanned.answered} and ${unscanned.answered} reads; ` +
      "without = bench-only build, scan modules aliased to pass-throughs)" +
      (processCpu ? `; no inspector: ${processRatio(processCpu).toFixed(2)}x workerd process CPU` : ""),
  };
}

const processRatio = ({ scannedMs, unscannedMs }) => scannedMs / unscannedMs;

export function formatScanCost({ scanned, unscanned, bytes, processCpu }) {
  const goal = scanCostGoal({ scanned, unscanned, bytes });
  const ms = (profile) =>
    `${profile.perRequestMs.toFixed(1)} ms (request path ${(profile.perRequestMs - profile.consumerPerRequestMs).toFixed(1)} + audit consumer ${profile.consumerPerRequestMs.toFixed(1)}), ${profile.answered} reads`;
  return [
    `read_text_file of ${(bytes / MIB).toFixed(2)} MiB of text, Worker CPU per read (CPU profile of each isolate, same load):`,
    `  with sensitive-data scanning (the product)      ${ms(scanned)}`,
    `  without (bench-only build, scan aliased away)   ${ms(unscanned)}`,
    `  ratio ${goal.measured.toFixed(2)}x (goal <= ${goal.target.toFixed(2)}x)`,
    ...(processCpu
      ? [
          `  without an inspector attached, CPU of each workerd process per read (R2's local simulation included, ${processCpu.reads} reads each): ` +
            `${processCpu.scannedMs.toFixed(1)} vs ${processCpu.unscannedMs.toFixed(1)} ms, ratio ${processRatio(processCpu).toFixed(2)}x`,
        ]
      : []),
  ].join("\n");
}
