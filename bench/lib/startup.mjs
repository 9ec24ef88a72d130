/**
 * `npm run bench -- --startup`: what a cold start costs. Builds the deploy bundle exactly as
 * `npm run build` does (into a temporary directory), reports its size and gzip size, then runs
 * `wrangler check startup` on it several times (it works offline: the profile is taken in local
 * workerd) and reads the CPU profiles itself: active CPU (samples that were not idle) as a median over
 * runs, and where it went, attributed through the bundle's source map to packages (node_modules/<name>)
 * and to our own src/ folders. Local CPU differs from Cloudflare's; compare runs on one machine.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { SourceMapConsumer } from "source-map-js";
import { attributeProfile } from "./cpu-profile.mjs";
import { median } from "./load.mjs";

function run(command, args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output = (output + chunk).slice(-8_000)));
    child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-8_000)));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args[0]} exited ${code}:\n${output}`)),
    );
  });
}

export async function measureStartup({ root, runs }) {
  const dir = await mkdtemp(join(tmpdir(), "bench-startup-"));
  try {
    const wrangler = join(root, "node_modules", ".bin", "wrangler");
    await run(wrangler, ["deploy", "--dry-run", "--outdir", dir], root);
    // `check startup --worker` takes the upload form `deploy --outfile` writes; the script inside is the
    // same esbuild output as index.js above (same config), so the source map above applies to it.
    const upload = join(dir, "worker.bundle");
    await run(wrangler, ["deploy", "--dry-run", "--outfile", upload], root);
    const bundle = await readFile(join(dir, "index.js"));
    const map = new SourceMapConsumer(JSON.parse(await readFile(join(dir, "index.js.map"), "utf8")));
    const actives = [];
    const owners = new Map();
    for (let i = 0; i < runs; i++) {
      const outfile = join(dir, `startup-${i}.cpuprofile`);
      await run(wrangler, ["check", "startup", "--worker", upload, "--outfile", outfile], root);
      const { active, self } = attributeProfile(JSON.parse(await readFile(outfile, "utf8")), map);
      actives.push(active);
      for (const [name, ms] of self) {
        // At startup the runtime's own functions matter only as a whole.
        const owner = name.startsWith("(runtime) ") ? "(runtime)" : name;
        owners.set(owner, (owners.get(owner) ?? 0) + ms);
      }
    }
    const total = [...owners.values()].reduce((a, b) => a + b, 0);
    return {
      bytes: bundle.byteLength,
      gzipBytes: gzipSync(bundle, { level: 9 }).byteLength,
      activeMs: median(actives),
      actives,
      shares: [...owners.entries()]
        .map(([owner, ms]) => ({ owner, share: ms / total }))
        .sort((a, b) => b.share - a.share),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatStartup(result) {
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const lines = [
    `deploy bundle: ${kib(result.bytes)}, ${kib(result.gzipBytes)} gzip`,
    `startup CPU (wrangler check startup, local workerd): median ${result.activeMs.toFixed(1)} ms active over ${result.actives.length} runs [${result.actives.map((a) => a.toFixed(0)).join(", ")}]`,
    "where startup CPU went (share of sampled active time, all runs):",
  ];
  for (const { owner, share } of result.shares.filter((s) => s.share >= 0.01)) {
    lines.push(`  ${(share * 100).toFixed(1).padStart(5)}%  ${owner}`);
  }
  return lines.join("\n");
}
