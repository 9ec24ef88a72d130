/**
 * The DPoP replay cache on the isolate's Upstash client (src/auth/replay-cache.ts): one SET NX EX per
 * proof, keyed by a hash of the proof key and `jti` (redis-keys.ts). It is a write command of its own, so
 * a DPoP request costs one Upstash round trip more than a Bearer one; the client's timeout bounds it.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { type ReplayCache, ReplayCacheUnavailableError } from "../auth/replay-cache";
import { dpopReplayKey } from "./redis-keys";

export function createUpstashReplayCache(redis: Redis): ReplayCache {
  return {
    async firstSeen(jkt, jti, ttlSeconds) {
      const key = await dpopReplayKey(jkt, jti);
      try {
        return (await redis.set(key, 1, { nx: true, ex: ttlSeconds })) === "OK";
      } catch (cause) {
        throw new ReplayCacheUnavailableError("replay cache unavailable", { cause });
      }
    },
  };
}
