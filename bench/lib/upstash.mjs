/**
 * `npm run bench -- --upstash`: Upstash HTTP requests per request kind, counted by the local Upstash
 * REST bridge in front of a real redis-server (the Redis test tier's pair, test/redis/support), with
 * the product running under wrangler dev against it.
 *
 * The bridge shows the benchmark the commands of every HTTP request; upstash-classes.mjs tells the
 * request path from settlement after the answer and from the audit consumer's detector calls.
 * A caller whose IP is already blocked should cost nothing.
 */
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { bundleForNode, loadRedisSupport } from "./bundle-for-node.mjs";
import { classifyUpstashRequest } from "./upstash-classes.mjs";

const sha1 = (text) => createHash("sha1").update(text).digest("hex");

export async function startUpstash(root) {
  const [support, { SETTLE_SCRIPT, STORAGE_SCRIPT }] = await Promise.all([
    loadRedisSupport(root),
    bundleForNode(root, { "src/limits/upstash-scripts.ts": ["SETTLE_SCRIPT", "STORAGE_SCRIPT"] }),
  ]);
  const scripts = { settleSha: sha1(SETTLE_SCRIPT), storageSha: sha1(STORAGE_SCRIPT), sha1 };
  const counts = { requestPath: 0, settlement: 0, audit: 0 };
  const redis = await support.startRedisServer();
  const token = randomBytes(24).toString("hex");
  const bridge = await support
    .startUpstashBridge({
      redisPort: redis.port,
      token,
      onRequest: (commands) => {
        counts[classifyUpstashRequest(commands, scripts)]++;
      },
    })
    .catch(async (error) => {
      await redis.stop();
      throw error;
    });
  return {
    vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token },
    counts: () => ({ ...counts }),
    async stop() {
      await bridge.stop();
      await redis.stop();
    },
  };
}

// Long enough for ctx.waitUntil work (refunds, storage settlement) to reach the bridge on loopback.
const SETTLE_MS = 250;

/**
 * @param {{ counts: () => { requestPath: number, settlement: number, audit: number },
 *   send: (r: any) => Promise<any>, kinds: { name: string, make: (i: number) => any,
 *   ok: (r: any) => boolean, prepare?: (count: number) => Promise<void> }[], count: number }} plan
 */
export async function countRoundTrips({ counts, send, kinds, count }) {
  const rows = [];
  for (const kind of kinds) {
    await kind.prepare?.(count);
    await sleep(SETTLE_MS);
    const totals = { requestPath: 0, settlement: 0, audit: 0 };
    let failures = 0;
    for (let i = 0; i < count; i++) {
      await sleep(20);
      const before = counts();
      const response = await send(kind.make(i));
      if (!kind.ok(response)) failures++;
      await sleep(SETTLE_MS);
      const after = counts();
      for (const key of Object.keys(totals)) totals[key] += after[key] - before[key];
    }
    rows.push({
      name: kind.name,
      requestPath: totals.requestPath / count,
      settlement: totals.settlement / count,
      audit: totals.audit / count,
      failures,
    });
  }
  return rows;
}

export function formatRoundTrips(rows, count) {
  const width = Math.max(...rows.map((r) => r.name.length));
  return [
    `${"request".padEnd(width)}  request path  settlement after the answer  audit consumer  failed`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(width)}  ${r.requestPath.toFixed(2).padStart(12)}  ${r.settlement.toFixed(2).padStart(27)}  ${r.audit.toFixed(2).padStart(14)}  ${String(r.failures).padStart(6)}`,
    ),
    `Upstash HTTP requests per request (mean of ${count} sequential requests each, classified by the bridge ` +
      "from their commands): request path = what the answer waits for; settlement = refunds and storage " +
      "releases the Worker sends after the answer (ctx.waitUntil); audit consumer = detector calls made per queue batch, " +
      "counted where they happened to land.",
  ].join("\n");
}
