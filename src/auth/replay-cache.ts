/**
 * "Have we seen this DPoP proof before?" (RFC 9449 §11.1). `firstSeen` records the key for `ttlSeconds`
 * and answers true only the first time. Upstash in production (SET NX EX: atomic across isolates and
 * locations), in memory with ENVIRONMENT=development (per isolate). An unreachable Upstash throws
 * `ReplayCacheUnavailableError`: the request gets 503, never "not a replay" by default.
 */
import type { Redis } from "@upstash/redis/cloudflare";

export interface ReplayCache {
  firstSeen(key: string, ttlSeconds: number): Promise<boolean>;
}

export class ReplayCacheUnavailableError extends Error {
  override readonly name = "ReplayCacheUnavailableError";
  readonly code = "ERR_REPLAY_CACHE_UNAVAILABLE";
}

export function createUpstashReplayCache(redis: Redis): ReplayCache {
  return {
    async firstSeen(key, ttlSeconds) {
      try {
        return (await redis.set(key, 1, { nx: true, ex: ttlSeconds })) === "OK";
      } catch (cause) {
        throw new ReplayCacheUnavailableError("replay cache unavailable", { cause });
      }
    },
  };
}

/** Bounded: past `maxEntries`, the entry that expires soonest goes first (insertion order ≈ expiry). */
export function createMemoryReplayCache(now: () => number = Date.now, maxEntries = 50_000): ReplayCache {
  const seen = new Map<string, number>();
  return {
    async firstSeen(key, ttlSeconds) {
      const at = now();
      const until = seen.get(key);
      if (until !== undefined && until > at) return false;
      seen.delete(key);
      seen.set(key, at + ttlSeconds * 1000);
      if (seen.size > maxEntries) seen.delete(seen.keys().next().value as string);
      return true;
    },
  };
}
