/**
 * `npm run bench -- --profile [kind]`: where the product Worker's own CPU goes for one request kind.
 * Attaches to the product's `wrangler dev` through its inspector (the DevTools protocol, as Chrome
 * DevTools would), samples a CPU profile while `concurrency` clients send that kind for `seconds`, and
 * attributes each sample through the dev bundle's source map: self time by package or src/ file, and
 * inclusive time by src/ file (what a function and everything it calls cost). Figures are per answered
 * request. Only the Worker's isolate is seen (not wrangler's proxy or the local queue broker), and an
 * attached inspector makes console lines dearer than they are: read shares, compare before/after.
 *
 * The bare Worker is profiled the same way (same load, same sampling), so the two per-request figures
 * make a ratio. The product's audit queue consumer runs in the same isolate: sampling goes on for
 * `drainSeconds` after the load stops so the batches the load queued are consumed inside the profile,
 * and samples with a consumer-only file on their stack are also summed on their own line.
 */
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SourceMapConsumer } from "source-map-js";
import WebSocket from "ws";
import { attributeProfile } from "./cpu-profile.mjs";

// wrangler's inspector proxy accepts DevTools' own origin (and refuses a client that sends none).
const DEVTOOLS_ORIGIN = "https://devtools.devprod.cloudflare.dev";
const SAMPLING_INTERVAL_US = 100;

/** Long enough for `Profiler.stop` to serialise a minute's profile on a loaded machine. */
const COMMAND_TIMEOUT_MS = 120_000;

export async function connectInspector(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  if (!targets[0]?.webSocketDebuggerUrl) throw new Error("the inspector lists no Worker to profile");
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl, { headers: { origin: DEVTOOLS_ORIGIN } });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let nextId = 0;
  const pending = new Map();
  // A connection the Worker's restart or a crash closes must fail the commands waiting on it, never
  // leave the benchmark (and the CI gate running it) waiting forever.
  let closedReason;
  const failAll = (reason) => {
    closedReason ??= reason;
    for (const settle of pending.values()) settle({ error: { message: closedReason } });
    pending.clear();
  };
  ws.on("close", () => failAll("the inspector connection closed"));
  ws.on("error", (error) => failAll(`the inspector connection failed: ${error.message}`));
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const command = (method, params = {}) =>
    new Promise((resolve, reject) => {
      if (closedReason) return reject(new Error(`${method}: ${closedReason}`));
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${method}: no answer from the inspector in ${COMMAND_TIMEOUT_MS / 1000} s`));
      }, COMMAND_TIMEOUT_MS);
      pending.set(id, (message) => {
        clearTimeout(timer);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { command, close: () => ws.close() };
}

/**
 * Files only the audit queue consumer runs (src/index.ts's `queue` handler and what only it imports):
 * a sample with one of these on its stack is the consumer's work, not the request path's.
 */
const CONSUMER_ONLY = [
  "src/audit-consumer.ts",
  "src/audit/alert-webhook.ts",
  "src/audit/detector-store.ts",
  "src/audit/detectors.ts",
  "src/audit/http-delivery.ts",
  "src/audit/siem-sink.ts",
  "src/audit/signing-key.ts",
  "src/audit/trail-writer.ts",
  "src/audit/trail-format.ts",
];
const isConsumerSource = (source) => CONSUMER_ONLY.some((file) => source.endsWith(file));

/** The newest dev bundle wrangler wrote under `dir`/.wrangler/tmp: its source map, where that is, its name. */
async function devBundle(dir) {
  const tmp = join(dir, ".wrangler", "tmp");
  const dirs = (await readdir(tmp)).filter((d) => d.startsWith("dev-")).map((d) => join(tmp, d));
  const dated = await Promise.all(dirs.map(async (dir) => ({ dir, at: (await stat(dir)).mtimeMs })));
  const newest = dated.sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`no wrangler dev bundle under ${tmp}`);
  // The bundle is named after the entry point (index.js for src/index.ts, bare-worker.js for the bare Worker).
  const mapFile = (await readdir(newest.dir)).find((f) => f.endsWith(".js.map"));
  if (!mapFile) throw new Error(`no source map in ${newest.dir}`);
  const map = new SourceMapConsumer(JSON.parse(await readFile(join(newest.dir, mapFile), "utf8")));
  return { map, mapPath: join(newest.dir, mapFile), bundleFile: mapFile.slice(0, -".map".length) };
}

/** The source map of the newest dev bundle wrangler wrote under `cwd`/.wrangler/tmp. */
export async function devBundleMap(cwd) {
  return (await devBundle(cwd)).map;
}

/**
 * @param {{ bundleDir: string, inspectorPort: number, send: (r: any) => Promise<any>, make: (i: number) => any,
 *   ok: (r: any) => boolean, seconds: number, concurrency: number, drainSeconds?: number }} plan
 *   bundleDir: where wrangler dev keeps its .wrangler/tmp (the config file's directory)
 */
export async function profileWorker(plan) {
  try {
    return await profileOnce(plan);
  } catch (error) {
    // wrangler dev's inspector proxy occasionally drops the connection under load: profile again once,
    // and let a second failure fail the run (a hung gate helps nobody).
    console.error(`profile of ${plan.inspectorPort} failed (${error.message}); once more`);
    return await profileOnce(plan);
  }
}

async function profileOnce({ bundleDir, inspectorPort, send, make, ok, seconds, concurrency, drainSeconds = 0 }) {
  const { map, mapPath, bundleFile } = await devBundle(bundleDir);
  const inspector = await connectInspector(inspectorPort);
  let answered = 0;
  let failed = 0;
  let result;
  try {
    await inspector.command("Profiler.enable");
    await inspector.command("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await inspector.command("Profiler.start");
    const end = Date.now() + seconds * 1000;
    let slot = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const response = await send(make(slot++));
          if (ok(response)) answered++;
          else failed++;
        }
      }),
    );
    if (drainSeconds > 0) await sleep(drainSeconds * 1000);
    result = await inspector.command("Profiler.stop");
  } finally {
    inspector.close();
  }
  // BENCH_PROFILE_OUT=dir keeps the raw profile (open it in Chrome DevTools, or read it function by function).
  if (process.env.BENCH_PROFILE_OUT) {
    await mkdir(process.env.BENCH_PROFILE_OUT, { recursive: true });
    await writeFile(join(process.env.BENCH_PROFILE_OUT, `${bundleFile}.cpuprofile`), JSON.stringify(result.profile));
    await writeFile(join(process.env.BENCH_PROFILE_OUT, `${bundleFile}.map`), await readFile(mapPath));
  }
  const attributed = attributeProfile(result.profile, map, {
    files: true,
    isSide: isConsumerSource,
    bundleFile,
  });
  return {
    answered,
    failed,
    seconds,
    ...attributed,
    perRequestMs: attributed.active / Math.max(1, answered),
    consumerPerRequestMs: attributed.side / Math.max(1, answered),
  };
}

export function formatProfile(name, { answered, failed, seconds, active, side, self, inclusive }, top = 20) {
  const per = (ms) => `${(ms / Math.max(1, answered)).toFixed(3).padStart(7)} ms`;
  const share = (ms) => `${((100 * ms) / active).toFixed(1).padStart(5)}%`;
  const rows = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([owner, ms]) => `  ${per(ms)} ${share(ms)}  ${owner}`);
  return [
    `${name}: ${answered} answered (${failed} without a proper answer) in ${seconds} s; ` +
      `the Worker's CPU ${per(active).trim()} per request`,
    `  of which the audit queue consumer: ${per(side).trim()} per request (${share(side).trim()}); ` +
      `the request path: ${per(active - side).trim()}`,
    "self time (package, src/ file, or the runtime's own work):",
    ...rows(self),
    "inclusive time by src/ file (the file's functions and everything they call):",
    ...rows(inclusive),
  ].join("\n");
}

/** The product's Worker CPU per request against the bare Worker's, profiled the same way in one run. */
export function formatProfileRatio(name, product, bare) {
  const ms = (n) => `${n.toFixed(3)} ms`;
  const requestPath = product.perRequestMs - product.consumerPerRequestMs;
  return [
    `${name}, Worker CPU per request (CPU profile of each isolate, same load and sampling):`,
    `  product ${ms(product.perRequestMs)} (request path ${ms(requestPath)} + audit consumer ${ms(product.consumerPerRequestMs)}), ` +
      `bare Worker ${ms(bare.perRequestMs)}`,
    `  ratio ${(product.perRequestMs / bare.perRequestMs).toFixed(2)}x with the consumer, ` +
      `${(requestPath / bare.perRequestMs).toFixed(2)}x the request path alone`,
  ].join("\n");
}
