/**
 * One cold isolate in Node, for `npm run bench -- --startup`: evaluates a deploy bundle (as
 * startup.mjs's Node line does), then serves two identical requests through its `fetch` and prints the
 * CPU time (process.cpuUsage) of each step as JSON: `eval`, `first` (the first request, including every
 * part it loads on first use and its after-the-answer work), `warm` (the same request again).
 * `first - warm` is what the first request pays once; `eval + first - warm` is the cold start's total.
 *
 * Run as `node cold-probe.mjs <bundle.mjs> <request kind>`; the env and credential come from
 * BENCH_COLD_PROBE (JSON: vars, token). R2 and the audit queue are stand-ins: tools/list and the health
 * check never read R2, and the queue's sends resolve at once.
 */
const [bundle, kind] = process.argv.slice(2);
const { vars, token } = JSON.parse(process.env.BENCH_COLD_PROBE ?? "{}");
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
// The request log line is part of each request's work; only its output is dropped.
const silent = () => {};
console.log = silent;
console.warn = silent;
console.info = silent;

const bucket = {
  get: async () => null,
  head: async () => null,
  list: async () => ({ objects: [], delimitedPrefixes: [], truncated: false }),
};
const env = {
  ...vars,
  FILES: bucket,
  AUDIT: bucket,
  AUDIT_QUEUE: { send: async () => {}, sendBatch: async () => {} },
  TREE_OPERATIONS: {},
};

const REQUESTS = {
  "mcp-tools-list": {
    status: 200,
    make: () =>
      new Request(new URL("/mcp", vars.OAUTH_AUDIENCE), {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      }),
  },
  healthz: { status: 200, make: () => new Request(new URL("/healthz", vars.OAUTH_AUDIENCE)) },
};

async function serve(worker, request) {
  const waits = [];
  const ctx = { waitUntil: (work) => waits.push(work), passThroughOnException: () => {}, props: {} };
  const response = await worker.fetch(request.make(), env, ctx);
  const body = await response.text();
  await Promise.all(waits);
  if (response.status !== request.status) throw new Error(`${kind}: HTTP ${response.status} ${body.slice(0, 300)}`);
}

const request = REQUESTS[kind];
if (!request) throw new Error(`unknown request kind ${kind}`);
const t0 = cpu();
const { default: worker } = await import(bundle);
const t1 = cpu();
await serve(worker, request);
const t2 = cpu();
await serve(worker, request);
const t3 = cpu();
process.stdout.write(`${JSON.stringify({ eval: t1 - t0, first: t2 - t1, warm: t3 - t2 })}\n`);
