/**
 * `npm run bench -- --startup`: what a cold start costs. Builds the deploy bundle exactly as
 * `npm run build` does (into a temporary directory), reports its size and gzip size, then runs
 * `wrangler check startup` on it several times (it works offline: the profile is taken in local
 * workerd) and reads the CPU profiles itself: active CPU (samples that were not idle) as a median over
 * runs, and where it went, attributed through the bundle's source map to packages (node_modules/<name>)
 * and to our own src/ folders. Local CPU differs from Cloudflare's; compare runs on one machine.
 */
import { execFileSync, spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { SourceMapConsumer } from "source-map-js";
import { formatFirstRequests, summarizeFirstRequests } from "./cold-start.mjs";
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

/**
 * The same bundle's module evaluation in Node, as CPU time (process.cpuUsage) in a fresh process per
 * run: a different runtime than workerd, but CPU time rather than sampled wall time, so a loaded machine
 * barely moves it. Good for before/after; `cloudflare:workers` is stubbed (only a base class is imported),
 * and a `.wasm` module, which workerd hands over compiled, is compiled from its file beside the bundle.
 */
async function nodeEvaluationCpu(bundlePath, runs) {
  const source = await readFile(bundlePath, "utf8");
  const stub =
    "data:text/javascript,export class WorkflowEntrypoint{}export class WorkerEntrypoint{}export class DurableObject{}";
  const nodeBundle = bundlePath.replace(/\.js$/, ".node.mjs");
  const wasmImports = [...new Set([...source.matchAll(/from"\.\/([^"]+\.wasm)"/g)].map((match) => match[1]))];
  for (const wasm of wasmImports) {
    await writeFile(
      join(dirname(bundlePath), `${wasm}.node.mjs`),
      `import{readFileSync}from"node:fs";export default new WebAssembly.Module(readFileSync(new URL(${JSON.stringify(`./${wasm}`)},import.meta.url)));`,
    );
  }
  await writeFile(
    nodeBundle,
    source
      .replaceAll('from"cloudflare:workers"', `from"${stub}"`)
      .replace(/from"\.\/([^"]+\.wasm)"/g, 'from"./$1.node.mjs"'),
  );
  const probe = `const t=process.cpuUsage();await import(${JSON.stringify(nodeBundle)});const d=process.cpuUsage(t);console.log((d.user+d.system)/1000)`;
  const ms = [];
  for (let i = 0; i < runs; i++) {
    ms.push(Number(execFileSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8" })));
  }
  return ms;
}

/**
 * What the cold start does not show: the parts loaded on first use are paid by the first request that
 * needs them. For each request kind, `runs` fresh Node processes each evaluate the bundle and serve the
 * request twice (cold-probe.mjs): the first pays its one-time loads, the second is the warm cost. The
 * env is a development deployment with an inline key set and a signed token (ES256) made here.
 */
function coldProbeSpec() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench-cold", alg: "ES256", use: "sig" };
  const audience = "https://files.bench.test/mcp";
  const issuer = "https://issuer.bench.test/";
  const now = Math.floor(Date.now() / 1000);
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = { iss: issuer, aud: audience, sub: "bench", scope: "files:read", iat: now, exp: now + 3600 };
  const input = `${part({ alg: "ES256", kid: "bench-cold", typ: "at+jwt" })}.${part(claims)}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  const auditKey = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  return {
    vars: {
      ENVIRONMENT: "development",
      OAUTH_ISSUER: issuer,
      OAUTH_AUDIENCE: audience,
      OAUTH_JWKS: JSON.stringify({ keys: [jwk] }),
      AUDIT_SIGNING_KEY: JSON.stringify(auditKey),
    },
    token: `${input}.${signature.toString("base64url")}`,
  };
}

const COLD_REQUESTS = ["mcp-tools-list", "healthz"];

async function firstRequestCpu(nodeBundle, runs) {
  const probe = join(dirname(fileURLToPath(import.meta.url)), "cold-probe.mjs");
  const env = { ...process.env, BENCH_COLD_PROBE: JSON.stringify(coldProbeSpec()) };
  const results = Object.fromEntries(COLD_REQUESTS.map((kind) => [kind, []]));
  for (let i = 0; i < runs; i++) {
    for (const kind of COLD_REQUESTS) {
      const output = execFileSync(process.execPath, [probe, nodeBundle, kind], { encoding: "utf8", env });
      results[kind].push(JSON.parse(output.trim().split("\n").at(-1)));
    }
  }
  return summarizeFirstRequests(results);
}

/**
 * @param {{ root: string, runs: number, config?: string, firstRequests?: boolean }} options root: the project (and its wrangler);
 *   config: another wrangler config under root (the floor Worker, bench/floor.wrangler.toml)
 */
export async function measureStartup({ root, runs, config, firstRequests: withFirstRequests = true }) {
  const dir = await mkdtemp(join(tmpdir(), "bench-startup-"));
  try {
    const wrangler = join(root, "node_modules", ".bin", "wrangler");
    const configArgs = config ? ["--config", config] : [];
    await run(wrangler, ["deploy", "--dry-run", ...configArgs, "--outdir", dir], root);
    // `check startup --worker` takes the upload form `deploy --outfile` writes; the script inside is the
    // same esbuild output as the bundle above (same config), so the source map above applies to it.
    const upload = join(dir, "worker.bundle");
    await run(wrangler, ["deploy", "--dry-run", ...configArgs, "--outfile", upload], root);
    // Named after the entry point: index.js for the product.
    const bundleFile = (await readdir(dir)).find((f) => f.endsWith(".js"));
    const bundle = await readFile(join(dir, bundleFile));
    const map = new SourceMapConsumer(JSON.parse(await readFile(join(dir, `${bundleFile}.map`), "utf8")));
    const actives = [];
    const owners = new Map();
    for (let i = 0; i < runs; i++) {
      const outfile = join(dir, `startup-${i}.cpuprofile`);
      await run(wrangler, ["check", "startup", "--worker", upload, "--outfile", outfile], root);
      const { active, self } = attributeProfile(JSON.parse(await readFile(outfile, "utf8")), map, {
        viaCaller: new Set(["zod"]),
        bundleFile,
      });
      actives.push(active);
      for (const [name, ms] of self) {
        // At startup the runtime's own functions matter only as a whole.
        const owner = name.startsWith("(runtime) ") ? "(runtime)" : name;
        owners.set(owner, (owners.get(owner) ?? 0) + ms);
      }
    }
    const nodeCpu = await nodeEvaluationCpu(join(dir, bundleFile), Math.max(runs, 5));
    const firstRequests =
      withFirstRequests === false
        ? undefined
        : await firstRequestCpu(join(dir, bundleFile.replace(/\.js$/, ".node.mjs")), Math.max(runs, 5));
    const total = [...owners.values()].reduce((a, b) => a + b, 0);
    return {
      bytes: bundle.byteLength,
      gzipBytes: gzipSync(bundle, { level: 9 }).byteLength,
      activeMs: median(actives),
      actives,
      nodeCpuMs: median(nodeCpu),
      nodeCpus: nodeCpu,
      firstRequests,
      shares: [...owners.entries()]
        .map(([owner, ms]) => ({ owner, share: ms / total }))
        .sort((a, b) => b.share - a.share),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The split the issue asks for: zod building schemas (whose), the SDK's own code, ours, the rest. */
export function startupGroup(owner) {
  if (owner.startsWith("zod ← @modelcontextprotocol/")) return "zod building the SDK's schemas";
  if (owner.startsWith("zod ← src/")) return "zod building our schemas (src/)";
  // A caller frame's position is where its function starts, so code at a module's top level (where most
  // schemas are built) is not told apart by package: the bundle's module body is one function.
  if (owner === "zod ← (itself)") return "zod building schemas at module top level (ours or the SDK's)";
  if (owner.startsWith("zod ")) return "zod, other";
  if (owner.startsWith("@modelcontextprotocol/")) return "the MCP SDK's own code";
  if (owner.startsWith("src/")) return "our own code (src/)";
  if (owner.startsWith("(")) return "runtime and V8 (compile, GC, builtins)";
  return "other packages";
}

/** The fixed dependencies' own startup (bench/floor-worker.ts) beside the product's. */
export function formatFloor(product, floor) {
  const share = (a, b) => `${((100 * a) / b).toFixed(0)}%`;
  return [
    `the fixed dependencies alone (bench/floor-worker.ts: SDK, zod, @upstash/*, jose, hono; ${(floor.gzipBytes / 1024).toFixed(1)} KiB gzip):`,
    `  wrangler check startup median ${floor.activeMs.toFixed(1)} ms (lowest ${Math.min(...floor.actives).toFixed(1)}), ` +
      `${share(floor.activeMs, product.activeMs)} of the product's; module evaluation in Node ${floor.nodeCpuMs.toFixed(1)} ms, ` +
      `${share(floor.nodeCpuMs, product.nodeCpuMs)} of the product's`,
  ].join("\n");
}

export function formatStartup(result) {
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  const lines = [
    `deploy bundle: ${kib(result.bytes)}, ${kib(result.gzipBytes)} gzip`,
    `startup CPU (wrangler check startup, local workerd): median ${result.activeMs.toFixed(1)} ms active over ${result.actives.length} runs [${result.actives.map((a) => a.toFixed(0)).join(", ")}], lowest ${Math.min(...result.actives).toFixed(1)} ms`,
    "  (a profile's samples are wall-clock intervals: on a loaded machine a run that was descheduled counts the wait; the lowest run is the least disturbed)",
    `module evaluation in Node (CPU time, barely moved by load; compare before/after): median ${result.nodeCpuMs.toFixed(1)} ms over ${result.nodeCpus.length} runs, lowest ${Math.min(...result.nodeCpus).toFixed(1)} ms`,
    "startup CPU by kind (share of sampled active time, all runs):",
  ];
  const groups = new Map();
  for (const { owner, share } of result.shares) {
    const group = startupGroup(owner);
    groups.set(group, (groups.get(group) ?? 0) + share);
  }
  for (const [group, share] of [...groups].sort((a, b) => b[1] - a[1])) {
    lines.push(
      `  ${(share * 100).toFixed(1).padStart(5)}%  ${group}  (≈${(share * result.activeMs).toFixed(1)} ms of the median)`,
    );
  }
  if (result.firstRequests) lines.push(...formatFirstRequests(result.firstRequests));
  lines.push("where startup CPU went (by package or src/ folder; zod by whose schemas it built):");
  for (const { owner, share } of result.shares.filter((s) => s.share >= 0.01)) {
    lines.push(`  ${(share * 100).toFixed(1).padStart(5)}%  ${owner}`);
  }
  return lines.join("\n");
}
