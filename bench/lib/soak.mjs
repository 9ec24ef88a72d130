/**
 * Soak run of `wrangler dev`: sustained requests against one fresh dev server, bounded by a request
 * count and a time limit, sampling the descriptors and CLOSE-WAIT sockets of the wrangler process tree.
 * It answers one question: does the dev server keep answering under sustained local load? (Under
 * wrangler dev every console.log line is forwarded over a local HTTP connection; with one or two lines
 * per request the proxy once ran out of descriptors after about 28,000 requests.) Stops early after
 * STALL_FAILURES consecutive unanswered requests.
 */
import { createClient } from "./load.mjs";
import { countSockets } from "./sockets.mjs";

const STALL_FAILURES = 20;

/**
 * @param {{ server: any, make: (slot: number) => any, ok: (r: any) => boolean, count: number,
 *   seconds: number, concurrency: number, samples: number, progress: (s: string) => void }} plan
 */
export async function runSoak(plan) {
  const client = createClient(plan.server.port, plan.concurrency);
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;
  const every = Math.max(1, Math.floor(plan.count / plan.samples));
  const samples = [];
  let sent = 0;
  let answered = 0;
  let failures = 0;
  let consecutive = 0;
  let stalledAt;
  let nextSample = every;
  const sample = async () => {
    const sockets = await countSockets(plan.server.pid);
    const row = { requests: sent, ...sockets, seconds: (performance.now() - started) / 1000 };
    samples.push(row);
    plan.progress(
      `soak: ${row.requests} requests, ${row.fds} fds, ${row.closeWait} CLOSE-WAIT, ${row.seconds.toFixed(1)} s`,
    );
  };
  await sample();
  const worker = async (slot) => {
    while (sent < plan.count && performance.now() < deadline && stalledAt === undefined) {
      sent++;
      try {
        if (plan.ok(await client.send(plan.make(slot)))) {
          answered++;
          consecutive = 0;
        } else failures++;
      } catch {
        failures++;
        if (++consecutive >= STALL_FAILURES) stalledAt ??= sent;
      }
      if (sent >= nextSample) {
        nextSample += every;
        await sample();
      }
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, (_, slot) => worker(slot)));
  await sample();
  client.close();
  const seconds = (performance.now() - started) / 1000;
  return { sent, answered, failures, stalledAt, seconds, samples, outputLines: plan.server.outputLines() };
}

export function formatSoak(result) {
  const peak = result.samples.reduce((a, s) => (s.fds > a.fds ? s : a), result.samples[0]);
  const last = result.samples.at(-1);
  const verdict =
    result.stalledAt !== undefined
      ? `STOPPED ANSWERING after about ${result.stalledAt} requests`
      : result.failures > 0
        ? `kept answering, ${result.failures} request(s) failed`
        : "kept answering";
  return [
    `soak: ${result.answered}/${result.sent} answered in ${result.seconds.toFixed(1)} s (${(result.answered / result.seconds).toFixed(0)} req/s): ${verdict}`,
    `soak: wrangler tree fds ${result.samples[0].fds} at start, peak ${peak.fds} (at ${peak.requests} requests), ` +
      `${last.fds} at the end; CLOSE-WAIT sockets at the end ${last.closeWait}; lines printed by wrangler ${result.outputLines}`,
  ].join("\n");
}
