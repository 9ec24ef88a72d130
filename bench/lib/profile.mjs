/**
 * `npm run bench -- --profile [kind]`: where the product Worker's own CPU goes for one request kind.
 * Attaches to the product's `wrangler dev` through its inspector (the DevTools protocol, as Chrome
 * DevTools would), samples a CPU profile while `concurrency` clients send that kind for `seconds`, and
 * attributes each sample through the dev bundle's source map: self time by package or src/ file, and
 * inclusive time by src/ file (what a function and everything it calls cost). Figures are per answered
 * request. Only the Worker's isolate is seen (not wrangler's proxy or the local queue broker), and an
 * attached inspector makes console lines dearer than they are: read shares, compare before/after.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { SourceMapConsumer } from "source-map-js";
import WebSocket from "ws";
import { attributeProfile } from "./cpu-profile.mjs";

// wrangler's inspector proxy accepts DevTools' own origin (and refuses a client that sends none).
const DEVTOOLS_ORIGIN = "https://devtools.devprod.cloudflare.dev";
const SAMPLING_INTERVAL_US = 100;

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
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const command = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, (message) =>
        message.error ? reject(new Error(message.error.message)) : resolve(message.result),
      );
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { command, close: () => ws.close() };
}

/** The source map of the newest dev bundle wrangler wrote under `cwd`/.wrangler/tmp. */
export async function devBundleMap(cwd) {
  const tmp = join(cwd, ".wrangler", "tmp");
  const dirs = (await readdir(tmp)).filter((d) => d.startsWith("dev-")).map((d) => join(tmp, d));
  const dated = await Promise.all(dirs.map(async (dir) => ({ dir, at: (await stat(dir)).mtimeMs })));
  const newest = dated.sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`no wrangler dev bundle under ${tmp}`);
  return new SourceMapConsumer(JSON.parse(await readFile(join(newest.dir, "index.js.map"), "utf8")));
}

/**
 * @param {{ cwd: string, inspectorPort: number, send: (r: any) => Promise<any>, make: (i: number) => any,
 *   ok: (r: any) => boolean, seconds: number, concurrency: number }} plan
 */
export async function profileWorker({ cwd, inspectorPort, send, make, ok, seconds, concurrency }) {
  const map = await devBundleMap(cwd);
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
    result = await inspector.command("Profiler.stop");
  } finally {
    inspector.close();
  }
  return { answered, failed, seconds, ...attributeProfile(result.profile, map, { files: true }) };
}

export function formatProfile(name, { answered, failed, seconds, active, self, inclusive }, top = 20) {
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
    "self time (package, src/ file, or the runtime's own work):",
    ...rows(self),
    "inclusive time by src/ file (the file's functions and everything they call):",
    ...rows(inclusive),
  ].join("\n");
}
