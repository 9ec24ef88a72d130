#!/usr/bin/env node
/**
 * `npm run bench`: the product under `wrangler dev` (offline, development environment, a dev-issuer
 * token) against a bare R2 Worker (bench/bare-worker.ts) on this machine, in interleaved rounds:
 * c=1 latency (p50/p99) and c=32 throughput for read_text_file 4 KiB, write_file 4 KiB, tools/list and a
 * failed authentication, each with its ratio to the bare Worker and the spread over rounds.
 *
 *   npm run bench                      full run (5 rounds)
 *   npm run bench -- --smoke           one short round and a short soak, for .ci/run (about 30 s)
 *   npm run bench -- --soak [N]        N sustained requests (default 30000, at most 300 s) against a
 *                                      fresh dev server: does it keep answering? (descriptors sampled)
 *   npm run bench -- --upstash         Upstash HTTP requests per request kind against a real
 *                                      redis-server behind the local Upstash REST bridge
 *   npm run bench -- --dlp             the sensitive-data scanner in workerd: MiB/s over 4 MiB of mixed text
 *                                      and hostile inputs (CPU of the workerd process), and the labelled
 *                                      corpus's precision and recall per category (bench/lib/dlp.mjs)
 *   npm run bench -- --scan-cost       the goal "4 MiB text read with scanning / without" on its own: the
 *                                      product against its bench-only build whose scan modules are
 *                                      aliased to pass-throughs, both CPU-profiled reading the same 4 MiB
 *                                      text (bench/lib/scan-cost.mjs, bench/lib/unscanned.mjs; --seconds)
 *   npm run bench -- --startup         deploy bundle size (gzip) and startup CPU from `wrangler check
 *                                      startup` (offline), split by package through the source map, and
 *                                      what the first request then pays for the parts loaded on first
 *                                      use (--baseline-root DIR: another checkout too, before → after)
 *   npm run bench -- --profile [KIND]  where the product Worker's CPU goes for one request kind (default
 *                                      read_text_file 4 KiB; a prefix such as "tools" is enough): a CPU
 *                                      profile through the inspector, attributed via the source map
 *   npm run bench -- --hostile [CASE]  the worst input at each per-call cap, tool by tool: the Worker's
 *                                      CPU ms of the call (inspector profile) and how much longer another
 *                                      tenant's tools/list takes meanwhile (--objects N for the walks)
 *   --rounds N, --concurrency N        override the round count / the throughput concurrency
 *   --log-level info|warn              the product's LOG_LEVEL (default info, as deployed)
 *   --product-root DIR                 run the product from another checkout (e.g. an export of main)
 *                                      for before/after figures with the same harness
 *
 * Prints figures and never fails on time: the exit code is non-zero only when a server cannot start or
 * a request kind gets no proper answer at all. Ports 8871 (product) and 8872 (bare Worker), 8873 and
 * 8875 (their inspectors with --profile and in the goal run), 8874 (the scanner with --dlp), 8876 and
 * 8877 (the product built without sensitive-data scanning and its inspector, in the goal run), loopback
 * only; BENCH_*_PORT override.
 */
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatStartupComparison } from "./lib/cold-start.mjs";
import { createCredentials } from "./lib/credentials.mjs";
import { benchDlp, formatDlp, workerdCpuSeconds } from "./lib/dlp.mjs";
import { formatGoals } from "./lib/goals.mjs";
import { formatHostile, runHostile } from "./lib/hostile.mjs";
import { createClient } from "./lib/load.mjs";
import { formatProfile, formatProfileRatio, profileWorker } from "./lib/profile.mjs";
import { formatTable, runRounds } from "./lib/rounds.mjs";
import {
  buildScanCostText,
  checkScanCostAnswers,
  formatScanCost,
  SCAN_COST_PATH,
  scanCostGoal,
} from "./lib/scan-cost.mjs";
import { BARE_AUTHORIZATION, createScenarios, seedRequest, toolCallRequest, writeRequest } from "./lib/scenarios.mjs";
import { startWranglerDev } from "./lib/servers.mjs";
import { formatSoak, runSoak } from "./lib/soak.mjs";
import { formatFloor, formatStartup, measureStartup } from "./lib/startup.mjs";
import { writeUnscannedConfig } from "./lib/unscanned.mjs";
import { countRoundTrips, formatRoundTrips, startUpstash } from "./lib/upstash.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PRODUCT_PORT = Number(process.env.BENCH_PRODUCT_PORT ?? 8871);
const BARE_PORT = Number(process.env.BENCH_BARE_PORT ?? 8872);
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 8873);
const BARE_INSPECTOR_PORT = Number(process.env.BENCH_BARE_INSPECTOR_PORT ?? 8875);
const DLP_PORT = Number(process.env.BENCH_DLP_PORT ?? 8874);
const UNSCANNED_PORT = Number(process.env.BENCH_UNSCANNED_PORT ?? 8876);
const UNSCANNED_INSPECTOR_PORT = Number(process.env.BENCH_UNSCANNED_INSPECTOR_PORT ?? 8877);
// wrangler.toml's max_batch_timeout for the audit queue: how long a queued event may wait for its batch.
const AUDIT_BATCH_TIMEOUT_SECONDS = 5;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    smoke: { type: "boolean", default: false },
    soak: { type: "boolean", default: false },
    upstash: { type: "boolean", default: false },
    startup: { type: "boolean", default: false },
    dlp: { type: "boolean", default: false },
    "scan-cost": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
    hostile: { type: "boolean", default: false },
    objects: { type: "string", default: "10000" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string" },
    concurrency: { type: "string", default: "32" },
    "log-level": { type: "string", default: "info" },
    "product-root": { type: "string" },
    "baseline-root": { type: "string" },
  },
});

const positive = (raw, name) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive whole number`);
    process.exit(2);
  }
  return n;
};

const PRODUCT_ROOT = values["product-root"] ? resolve(values["product-root"]) : ROOT;
if (!["info", "warn"].includes(values["log-level"])) {
  console.error("--log-level must be info or warn");
  process.exit(2);
}

const progress = (line) => process.stderr.write(`  ${line}\n`);

// Limits high enough that the benchmark measures the checks, not refusals (development env only).
const UNLIMITED = {
  RATE_LIMIT_IP_REQUESTS: "1000000",
  RATE_LIMIT_PRINCIPAL_UNITS: "1000000",
  QUOTA_DAILY_WRITES: "1000000000",
  QUOTA_DAILY_BYTES_WRITTEN: String(2 ** 50),
  QUOTA_STORAGE_BYTES: String(2 ** 50),
};

/** Sends a set-up request (not measured) and fails the run unless it succeeded. */
async function expectSuccess(client, request, what) {
  const response = await client.send(request);
  if (response.status !== 200 || response.body.includes('"isError":true')) {
    throw new Error(`${what} failed (${response.status}): ${response.body.slice(0, 300)}`);
  }
}

function seed(client, headers, name) {
  return expectSuccess(client, seedRequest(headers), `${name}: seeding the 4 KiB file`);
}

async function withServers(credentials, extraVars, work, inspectorPort = 0) {
  const started = [];
  try {
    const product = await startWranglerDev({
      root: ROOT,
      cwd: PRODUCT_ROOT,
      name: "product",
      port: PRODUCT_PORT,
      vars: { ...credentials.vars, ...UNLIMITED, LOG_LEVEL: values["log-level"], ...extraVars },
      inspectorPort,
    });
    started.push(product);
    return await work(product, started);
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}

async function benchRounds(credentials, { rounds, latencyCount, throughputCount, concurrency }) {
  return withServers(credentials, {}, async (product, started) => {
    const bare = await startWranglerDev({ root: ROOT, name: "bare", port: BARE_PORT, config: "bench/wrangler.toml" });
    started.push(bare);
    const productClient = createClient(product.port, concurrency);
    const bareClient = createClient(bare.port, concurrency);
    try {
      await seed(productClient, { authorization: `Bearer ${credentials.token}` }, "product");
      await seed(bareClient, BARE_AUTHORIZATION, "bare");
      const scenarios = createScenarios(credentials);
      // Warm both isolates (module init, JWKS import, R2 handles) before anything is timed.
      for (const scenario of scenarios) {
        for (let i = 0; i < 30; i++) {
          const p = await productClient.send(scenario.product(i));
          const b = await bareClient.send(scenario.bare(i));
          if (i === 0 && (!scenario.ok(p) || !scenario.ok(b))) {
            throw new Error(
              `${scenario.name}: no proper answer (product ${p.status}: ${p.body.slice(0, 200)}; bare ${b.status}: ${b.body.slice(0, 200)})`,
            );
          }
        }
      }
      const summaries = await runRounds({
        scenarios,
        product: { ...productClient, pid: product.pid },
        bare: { ...bareClient, pid: bare.pid },
        rounds,
        latencyCount,
        throughputCount,
        concurrency,
        phaseDeadlineMs: 20_000,
        progress,
      });
      console.log(formatTable(summaries, { rounds, concurrency }));
      console.log(
        `product: ${PRODUCT_ROOT === ROOT ? "this checkout" : PRODUCT_ROOT}, LOG_LEVEL=${values["log-level"]}; ` +
          `load average ${loadavg()
            .map((n) => n.toFixed(2))
            .join(" ")}, ${cpus().length} CPUs`,
      );
      console.log(`wrangler dev printed ${product.outputLines()} lines for the product`);
      return summaries;
    } finally {
      productClient.close();
      bareClient.close();
    }
  });
}

async function benchSoak(credentials, { count, seconds, concurrency }) {
  return withServers(credentials, {}, async (product) => {
    const scenario = createScenarios(credentials).find((s) => s.name === "tools/list");
    const result = await runSoak({
      server: product,
      make: scenario.product,
      ok: scenario.ok,
      count,
      seconds,
      concurrency,
      samples: 10,
      progress,
    });
    console.log(formatSoak(result));
    return result;
  });
}

async function benchUpstash(credentials) {
  const upstash = await startUpstash(ROOT);
  try {
    // A small IP limit so "already blocked" can be reached; every other kind uses its own client IP.
    // An hour-long IP window, so the block lasts the whole measurement (a block ends when the window has room).
    const limits = { RATE_LIMIT_IP_REQUESTS: "60", RATE_LIMIT_IP_WINDOW_SECONDS: "3600" };
    return await withServers(credentials, { ...upstash.vars, ...limits }, async (product) => {
      const client = createClient(product.port, 1);
      try {
        const auth = { authorization: `Bearer ${credentials.token}` };
        await seed(client, { ...auth, "cf-connecting-ip": "198.51.100.1" }, "product");
        const scenarios = createScenarios(credentials);
        const withIp = (make, ip) => (slot) => {
          const request = make(slot);
          return { ...request, headers: { ...request.headers, "cf-connecting-ip": ip } };
        };
        const kinds = scenarios.map((s, i) => ({
          name: s.name === "write_file 4 KiB" ? "write_file 4 KiB, new file" : s.name,
          make: withIp(s.product, `198.51.100.${10 + i}`),
          ok: s.ok,
        }));
        // The same path every time, written once beforehand: the same size again, so the whole reservation
        // goes back after the answer.
        const overwriteIp = { "cf-connecting-ip": "198.51.100.30" };
        const write = scenarios.find((s) => s.name === "write_file 4 KiB");
        kinds.splice(2, 0, {
          name: "write_file 4 KiB, overwrite",
          prepare: () =>
            expectSuccess(
              client,
              writeRequest({ ...auth, ...overwriteIp }, "bench/write-63.txt"),
              "the overwrite row's file",
            ),
          make: withIp(() => write.product(63), overwriteIp["cf-connecting-ip"]),
          ok: write.ok,
        });
        // A delete to the trash: its freed bytes go back after the answer.
        const deleteIp = { ...auth, "cf-connecting-ip": "198.51.100.31" };
        kinds.splice(3, 0, {
          name: "delete_file 4 KiB",
          prepare: async (n) => {
            for (let i = 0; i < n; i++) {
              await expectSuccess(client, writeRequest(deleteIp, `bench/delete-${i}.txt`), "the delete row's files");
            }
          },
          make: (i) => toolCallRequest(deleteIp, "delete_file", { path: `bench/delete-${i}.txt` }),
          ok: write.ok,
        });
        // Exhaust one IP with failed authentications until it is refused with 429 (then it is blocked).
        const blockedIp = "198.51.100.99";
        const failAuth = withIp(scenarios.find((s) => s.name === "failed authentication").product, blockedIp);
        let blocked = false;
        for (let i = 0; i < 200 && !blocked; i++) blocked = (await client.send(failAuth(0))).status === 429;
        if (!blocked) throw new Error("could not get an IP blocked for the 'already blocked' row");
        const readAsBlocked = withIp(scenarios[0].product, blockedIp);
        kinds.push({ name: "any request, IP already blocked", make: readAsBlocked, ok: (r) => r.status === 429 });
        const count = values.smoke ? 5 : 20;
        console.log(
          formatRoundTrips(await countRoundTrips({ counts: upstash.counts, send: client.send, kinds, count }), count),
        );
      } finally {
        client.close();
      }
    });
  } finally {
    await upstash.stop();
  }
}

/**
 * Profiles the product and the bare Worker at the same time (same load, same sampling, the same
 * moments of machine load) for one request kind; the product's profile runs on for the audit queue's
 * batch timeout so the consumer's work for that load is inside it.
 */
async function profileBoth(credentials, scenario, seconds) {
  return withServers(
    credentials,
    {},
    async (product, started) => {
      const bare = await startWranglerDev({
        root: ROOT,
        name: "bare",
        port: BARE_PORT,
        config: "bench/wrangler.toml",
        inspectorPort: BARE_INSPECTOR_PORT,
      });
      started.push(bare);
      const productClient = createClient(product.port, 8);
      const bareClient = createClient(bare.port, 8);
      try {
        await seed(productClient, { authorization: `Bearer ${credentials.token}` }, "product");
        await seed(bareClient, BARE_AUTHORIZATION, "bare");
        // Warm both isolates (module init, JWKS import, caches) before sampling.
        for (let i = 0; i < 200; i++) {
          await productClient.send(scenario.product(i));
          await bareClient.send(scenario.bare(i));
        }
        const plan = { ok: scenario.ok, seconds, concurrency: 8 };
        const [productProfile, bareProfile] = await Promise.all([
          profileWorker({
            ...plan,
            bundleDir: PRODUCT_ROOT,
            inspectorPort: INSPECTOR_PORT,
            send: productClient.send,
            make: scenario.product,
            drainSeconds: AUDIT_BATCH_TIMEOUT_SECONDS + 1,
          }),
          profileWorker({
            ...plan,
            bundleDir: join(ROOT, "bench"),
            inspectorPort: BARE_INSPECTOR_PORT,
            send: bareClient.send,
            make: scenario.bare,
          }),
        ]);
        return { product: productProfile, bare: bareProfile };
      } finally {
        productClient.close();
        bareClient.close();
      }
    },
    INSPECTOR_PORT,
  );
}

async function benchProfile(credentials, kind, seconds) {
  const scenario = createScenarios(credentials).find((s) => s.name.startsWith(kind));
  if (!scenario) {
    console.error(`--profile: no request kind starts with "${kind}"`);
    process.exit(2);
  }
  const profiles = await profileBoth(credentials, scenario, seconds);
  console.log(formatProfile(`${scenario.name}, product`, profiles.product));
  console.log(formatProfile(`${scenario.name}, bare Worker`, profiles.bare, 8));
  console.log(formatProfileRatio(scenario.name, profiles.product, profiles.bare));
  console.log(`product: ${PRODUCT_ROOT === ROOT ? "this checkout" : PRODUCT_ROOT}, LOG_LEVEL=${values["log-level"]}`);
  return profiles;
}

/**
 * The product and its bench-only build without sensitive-data scanning (bench/lib/unscanned.mjs), both
 * storing the same 4 MiB text, profiled at the same time while reading it back (bench/lib/scan-cost.mjs).
 */
async function benchScanCost(credentials, seconds) {
  const text = await buildScanCostText(ROOT);
  const bytes = Buffer.byteLength(text);
  const { config, dir } = await writeUnscannedConfig({ productRoot: PRODUCT_ROOT, benchDir: join(ROOT, "bench") });
  const vars = {
    ...credentials.vars,
    ...UNLIMITED,
    QUOTA_DAILY_BYTES_READ: String(2 ** 50),
    MAX_REQUEST_BYTES: String(16 * 1024 * 1024),
    LOG_LEVEL: values["log-level"],
  };
  const servers = await Promise.allSettled([
    startWranglerDev({
      root: ROOT,
      cwd: PRODUCT_ROOT,
      name: "product",
      port: PRODUCT_PORT,
      vars,
      inspectorPort: INSPECTOR_PORT,
    }),
    startWranglerDev({
      root: ROOT,
      cwd: PRODUCT_ROOT,
      name: "unscanned",
      port: UNSCANNED_PORT,
      config,
      vars,
      inspectorPort: UNSCANNED_INSPECTOR_PORT,
    }),
  ]);
  const started = servers.filter((s) => s.status === "fulfilled").map((s) => s.value);
  const clients = [];
  try {
    const failed = servers.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
    const [product, unscanned] = started;
    const auth = { authorization: `Bearer ${credentials.token}` };
    const write = toolCallRequest(auth, "write_file", { path: SCAN_COST_PATH, content: text });
    const read = () => toolCallRequest(auth, "read_text_file", { path: SCAN_COST_PATH });
    const ok = (response) => response.status === 200 && !response.body.includes('"isError":true');
    const answers = {};
    for (const [name, server] of [
      ["scanned", product],
      ["unscanned", unscanned],
    ]) {
      const client = createClient(server.port, 2, 120_000);
      clients.push(client);
      await expectSuccess(client, write, `${name}: storing the 4 MiB text`);
      // Warm the isolate (and label the file, which a first read may do) before sampling.
      for (let i = 0; i < 3; i++) answers[name] = (await client.send(read())).body;
    }
    checkScanCostAnswers(answers);
    // Without an inspector attached first (it slows JavaScript): the workerd processes' CPU per read,
    // one read to each in turn so both see the same moments of load.
    const processCpu = { scanned: 0, unscanned: 0 };
    const reads = Math.max(4, Math.round(seconds));
    for (let i = 0; i < reads; i++) {
      for (const [name, server, client] of [
        ["scanned", product, clients[0]],
        ["unscanned", unscanned, clients[1]],
      ]) {
        const before = workerdCpuSeconds(server.pid);
        await client.send(read());
        processCpu[name] += (workerdCpuSeconds(server.pid) - before) * 1000;
      }
    }
    const plan = { ok, seconds, concurrency: 2, make: read };
    const [scanned, withoutScan] = await Promise.all([
      profileWorker({
        ...plan,
        bundleDir: PRODUCT_ROOT,
        inspectorPort: INSPECTOR_PORT,
        send: clients[0].send,
        drainSeconds: AUDIT_BATCH_TIMEOUT_SECONDS + 1,
      }),
      profileWorker({
        ...plan,
        bundleDir: dir,
        inspectorPort: UNSCANNED_INSPECTOR_PORT,
        send: clients[1].send,
        drainSeconds: AUDIT_BATCH_TIMEOUT_SECONDS + 1,
      }),
    ]);
    const result = {
      scanned,
      unscanned: withoutScan,
      bytes,
      processCpu: { scannedMs: processCpu.scanned / reads, unscannedMs: processCpu.unscanned / reads, reads },
    };
    console.log(formatProfile("read_text_file 4 MiB, with scanning", scanned, 12));
    console.log(formatProfile("read_text_file 4 MiB, without scanning", withoutScan, 8));
    console.log(formatScanCost(result));
    return result;
  } finally {
    for (const client of clients) client.close();
    for (const server of started.reverse()) await server.stop();
  }
}

/** Every goal of the performance issue, from this run's figures (printed, never enforced). */
function issueGoals({ summaries, profiles, startup, scanCost }) {
  const read = summaries.find((s) => s.name === "read_text_file 4 KiB");
  const rounds = (f) => `median of per-round ratios [${f.ratioMin.toFixed(2)}-${f.ratioMax.toFixed(2)}]`;
  const cpuRatio = profiles.product.perRequestMs / profiles.bare.perRequestMs;
  const requestPath = profiles.product.perRequestMs - profiles.product.consumerPerRequestMs;
  const mcpFirst = startup.firstRequests?.["mcp-tools-list"];
  return [
    {
      goal: "Worker CPU per read_text_file 4 KiB / bare",
      measured: cpuRatio,
      target: 2,
      unit: "x",
      detail:
        `${profiles.product.perRequestMs.toFixed(2)} vs ${profiles.bare.perRequestMs.toFixed(2)} ms (CPU profiles, consumer included; ` +
        `request path alone ${(requestPath / profiles.bare.perRequestMs).toFixed(2)}x)`,
    },
    {
      goal: "startup CPU",
      measured: startup.activeMs,
      target: 30,
      unit: "ms",
      detail:
        `median of ${startup.actives.length} (lowest ${Math.min(...startup.actives).toFixed(1)} ms), wrangler check startup; ` +
        `the fixed dependencies alone ${startup.floor.activeMs.toFixed(1)} ms` +
        (mcpFirst
          ? `; then the first MCP request pays ${mcpFirst.onceMs.toFixed(1)} ms once (Node CPU; cold total ${mcpFirst.coldTotalMs.toFixed(1)} ms)`
          : ""),
    },
    { goal: "bundle gzip", measured: startup.gzipBytes / 1024, target: 300, unit: "KiB", detail: "deploy bundle" },
    {
      goal: "read_text_file 4 KiB c=1 p50 / bare",
      measured: read.p50.ratio,
      target: 1.25,
      unit: "x",
      detail: rounds(read.p50),
    },
    {
      goal: "read_text_file 4 KiB c=1 p99 / bare",
      measured: read.p99.ratio,
      target: 1.5,
      unit: "x",
      detail: rounds(read.p99),
    },
    {
      goal: `read_text_file 4 KiB c=${concurrency} throughput / bare`,
      measured: read.rps.ratio,
      target: 0.7,
      unit: "x",
      higherIsBetter: true,
      detail: `${rounds(read.rps)}; the audit consumer runs in the same wrangler dev process`,
    },
    scanCostGoal(scanCost),
  ];
}

/**
 * The product's startup (and, with --baseline-root, another checkout's in the same run, printed before
 * → after), then the floor's: what the fixed dependencies cost without any of our code.
 */
async function benchStartup(runs) {
  const baseline = values["baseline-root"]
    ? await measureStartup({ root: resolve(values["baseline-root"]), runs })
    : undefined;
  const startup = await measureStartup({ root: PRODUCT_ROOT, runs });
  if (baseline) console.log(`baseline (${resolve(values["baseline-root"])}):\n${formatStartup(baseline)}\n`);
  console.log(formatStartup(startup));
  startup.floor = await measureStartup({ root: ROOT, runs, config: "bench/floor.wrangler.toml", firstRequests: false });
  console.log(formatFloor(startup, startup.floor));
  if (baseline) console.log(formatStartupComparison(baseline, startup));
  console.log(
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}, ${cpus().length} CPUs`,
  );
  return startup;
}

/** After the rounds: the read profile of both Workers, the startup figures, then the goal table. */
async function benchGoals(credentials, summaries, { profileSeconds, scanCostSeconds, startupRuns }) {
  progress("profiling read_text_file 4 KiB on the product and the bare Worker");
  const profiles = await benchProfile(credentials, "read_text_file", profileSeconds);
  progress("profiling read_text_file 4 MiB on the product and on its build without sensitive-data scanning");
  const scanCost = await benchScanCost(credentials, scanCostSeconds);
  progress(`startup CPU (${startupRuns} run(s) of wrangler check startup)`);
  const startup = await benchStartup(startupRuns);
  console.log(formatGoals(issueGoals({ summaries, profiles, startup, scanCost })));
}

async function benchHostile(credentials, only) {
  const objects = positive(values.objects, "--objects");
  return withServers(
    credentials,
    // Room for the largest hostile bodies (a 150,000-line newText) and for seeding the walk cases.
    { MAX_REQUEST_BYTES: String(8 * 1024 * 1024), QUOTA_DAILY_DELETES: "1000000" },
    async (product) => {
      const client = createClient(product.port, 4, 600_000);
      try {
        const rows = await runHostile({
          client,
          auth: { authorization: `Bearer ${credentials.token}` },
          otherAuth: { authorization: `Bearer ${credentials.otherToken}` },
          inspectorPort: INSPECTOR_PORT,
          cwd: PRODUCT_ROOT,
          objects,
          only,
          progress,
        });
        console.log(formatHostile(rows));
        console.log(
          `product: ${PRODUCT_ROOT === ROOT ? "this checkout" : PRODUCT_ROOT}, LOG_LEVEL=${values["log-level"]}; ` +
            `load average ${loadavg()
              .map((n) => n.toFixed(2))
              .join(" ")}, ${cpus().length} CPUs`,
        );
      } finally {
        client.close();
      }
    },
    INSPECTOR_PORT,
  );
}

// Ctrl-C or a CI timeout: exit through process.exit so every started server is signalled to stop.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const concurrency = positive(values.concurrency, "--concurrency");
const credentials = await createCredentials(PRODUCT_PORT);
try {
  if (values.dlp) {
    const server = await startWranglerDev({
      root: ROOT,
      cwd: PRODUCT_ROOT,
      name: "dlp",
      port: DLP_PORT,
      config: "bench/dlp-wrangler.toml",
    });
    try {
      const rounds = values.rounds ? positive(values.rounds, "--rounds") : values.smoke ? 1 : 3;
      const goalRounds = values.rounds ? rounds : values.smoke ? 1 : 7;
      const measured = await benchDlp(server, { rounds, goalRounds, reps: values.smoke ? 5 : 25, progress });
      const loadAverage = loadavg()
        .map((n) => n.toFixed(2))
        .join(" ");
      console.log(formatDlp({ ...measured, loadAverage }));
    } finally {
      await server.stop();
    }
  } else if (values["scan-cost"]) {
    const scanCost = await benchScanCost(credentials, positive(values.seconds, "--seconds"));
    console.log(formatGoals([scanCostGoal(scanCost)]));
  } else if (values.startup) {
    const runs = values.rounds ? positive(values.rounds, "--rounds") : 5;
    await benchStartup(runs);
  } else if (values.upstash) {
    await benchUpstash(credentials);
  } else if (values.hostile) {
    await benchHostile(credentials, positionals[0]);
  } else if (values.profile) {
    await benchProfile(credentials, positionals[0] ?? "read_text_file", positive(values.seconds, "--seconds"));
  } else if (values.soak) {
    const count = positionals[0] ? positive(positionals[0], "soak request count") : 30_000;
    await benchSoak(credentials, { count, seconds: 300, concurrency: 16 });
  } else if (values.smoke) {
    const summaries = await benchRounds(credentials, {
      rounds: 1,
      latencyCount: 40,
      throughputCount: 320,
      concurrency,
    });
    await benchSoak(credentials, { count: 2_000, seconds: 20, concurrency: 16 });
    await benchGoals(credentials, summaries, { profileSeconds: 3, scanCostSeconds: 4, startupRuns: 1 });
  } else {
    const rounds = values.rounds ? positive(values.rounds, "--rounds") : 5;
    const summaries = await benchRounds(credentials, { rounds, latencyCount: 200, throughputCount: 800, concurrency });
    await benchGoals(credentials, summaries, { profileSeconds: 10, scanCostSeconds: 10, startupRuns: 5 });
  }
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
