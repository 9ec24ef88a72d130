/**
 * `npm run bench -- --upstash`: Upstash HTTP requests per request kind, counted by the local Upstash
 * REST bridge in front of a real redis-server (the Redis test tier's pair, test/redis/support), with
 * the product running under wrangler dev against it. For every kind it reports the requests made while
 * the answer was being produced (the response path) and the total once deferred work (ctx.waitUntil)
 * has settled. A caller whose IP is already blocked should cost nothing.
 */
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { loadRedisSupport } from "./bundle-for-node.mjs";

export async function startUpstash(root) {
  const support = await loadRedisSupport(root);
  const redis = await support.startRedisServer();
  const token = randomBytes(24).toString("hex");
  const bridge = await support.startUpstashBridge({ redisPort: redis.port, token }).catch(async (error) => {
    await redis.stop();
    throw error;
  });
  return {
    vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: token },
    bridge,
    async stop() {
      await bridge.stop();
      await redis.stop();
    },
  };
}

// Long enough for ctx.waitUntil work (refunds, storage settlement) to reach the bridge on loopback.
const SETTLE_MS = 250;

/**
 * @param {{ bridge: any, send: (r: any) => Promise<any>, kinds: { name: string, make: () => any,
 *   ok: (r: any) => boolean }[], count: number }} plan
 */
export async function countRoundTrips({ bridge, send, kinds, count }) {
  const rows = [];
  for (const kind of kinds) {
    let responsePath = 0;
    let total = 0;
    let failures = 0;
    for (let i = 0; i < count; i++) {
      await sleep(20);
      const before = bridge.requestCount();
      const response = await send(kind.make(i));
      const answered = bridge.requestCount();
      if (!kind.ok(response)) failures++;
      await sleep(SETTLE_MS);
      responsePath += answered - before;
      total += bridge.requestCount() - before;
    }
    rows.push({ name: kind.name, responsePath: responsePath / count, total: total / count, failures });
  }
  return rows;
}

export function formatRoundTrips(rows, count) {
  const width = Math.max(...rows.map((r) => r.name.length));
  return [
    `${"request".padEnd(width)}  by the answer  incl. deferred work  failed`,
    ...rows.map(
      (r) =>
        `${r.name.padEnd(width)}  ${r.responsePath.toFixed(2).padStart(13)}  ${r.total.toFixed(2).padStart(19)}  ${String(r.failures).padStart(6)}`,
    ),
    `Upstash HTTP requests per request (mean of ${count} sequential requests each, counted by the bridge). ` +
      '"by the answer" counts what reached the bridge when the answer arrived: an upper bound for the response ' +
      "path, since deferred work (ctx.waitUntil) starts as the answer leaves and may already be in.",
  ].join("\n");
}
