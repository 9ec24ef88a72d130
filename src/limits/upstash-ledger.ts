/**
 * Upstash adapter of the storage ledger: one STORAGE script call per adjustment (an atomic
 * check-and-add, upstash-scripts.ts), on the isolate's client. Off the request-limit hot path: a
 * write costs one more request for its reservation (two when it fails and hands it back).
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { StorageLedger } from "./limiter";
import { createScript, toLimiterUnavailable } from "./upstash-client";
import { STORAGE_SCRIPT } from "./upstash-scripts";

export function createUpstashStorageLedger(redis: Redis): StorageLedger {
  const storage = createScript(redis, STORAGE_SCRIPT);
  return {
    async adjust(key, delta, limit) {
      try {
        await storage.ready;
        const [ok, used] = (await storage.run([key], [Math.trunc(delta), limit])).map(Number) as [number, number];
        return { ok: ok === 1, used };
      } catch (error) {
        throw toLimiterUnavailable(error);
      }
    },
    async used(key) {
      try {
        return Number((await redis.get<number>(key)) ?? 0);
      } catch (error) {
        throw toLimiterUnavailable(error);
      }
    },
  };
}
