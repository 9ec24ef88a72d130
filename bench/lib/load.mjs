/**
 * The load generator: keep-alive HTTP/1.1 over loopback (node:http, the cheapest client Node has, so the
 * client steals as little CPU as possible from the servers on the same machine). Every loop is bounded by
 * a request count and a deadline; a request that gets no answer within REQUEST_TIMEOUT_MS counts as a
 * failure instead of hanging the run.
 */
import http from "node:http";

export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * @typedef {{ method: string, path: string, headers: Record<string,string>, body?: Buffer }} BenchRequest
 * @typedef {{ status: number, body: string }} BenchResponse
 */

/** A client bound to one port with up to `sockets` keep-alive connections. */
export function createClient(port, sockets = 32, timeoutMs = REQUEST_TIMEOUT_MS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  /** @param {BenchRequest} request @returns {Promise<BenchResponse>} */
  const send = (request) =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers };
      if (request.body) headers["content-length"] = String(request.body.byteLength);
      const req = http.request(
        { host: "127.0.0.1", port, method: request.method, path: request.path, headers, agent },
        (res) => {
          const chunks = [];
          res.on("data", (chunk) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(request.body);
    });
  return { send, close: () => agent.destroy() };
}

/**
 * c=1: `count` requests one after another; returns the sorted latencies (ms) of the good ones.
 * @param {(r: BenchRequest) => Promise<BenchResponse>} send
 * @param {(slot: number) => BenchRequest} make
 * @param {(r: BenchResponse) => boolean} ok
 */
export async function measureLatency(send, make, ok, count, deadlineMs) {
  const samples = [];
  let failures = 0;
  const deadline = performance.now() + deadlineMs;
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const started = performance.now();
    try {
      const response = await send(make(0));
      const elapsed = performance.now() - started;
      if (ok(response)) samples.push(elapsed);
      else failures++;
    } catch {
      failures++;
    }
  }
  samples.sort((a, b) => a - b);
  return { samples, failures };
}

/** c=N: `count` requests spread over `concurrency` workers, each with its own slot; returns req/s. */
export async function measureThroughput(send, make, ok, count, concurrency, deadlineMs) {
  let next = 0;
  let good = 0;
  let failures = 0;
  const started = performance.now();
  const deadline = started + deadlineMs;
  const worker = async (slot) => {
    while (next < count && performance.now() < deadline) {
      next++;
      try {
        if (ok(await send(make(slot)))) good++;
        else failures++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)));
  const seconds = (performance.now() - started) / 1000;
  return { rps: good / seconds, good, failures, seconds };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

// Pure, in its own module so the benchmark's formatters (and their tests, in workerd) need no node:http.
export { median } from "./median.mjs";
