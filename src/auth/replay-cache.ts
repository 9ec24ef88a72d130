/**
 * "Have we seen this DPoP proof before?" (RFC 9449 §11.1). `firstSeen` records the proof key's `jti` for
 * `ttlSeconds` and answers true only the first time. Upstash in production (src/limits/
 * upstash-replay-cache.ts: SET NX EX, atomic across isolates and locations), in memory with
 * ENVIRONMENT=development (per isolate, below). An unreachable store throws
 * `ReplayCacheUnavailableError`: the request gets 503, never "not a replay" by default.
 */
export interface ReplayCache {
  firstSeen(jkt: string, jti: string, ttlSeconds: number): Promise<boolean>;
}

export class ReplayCacheUnavailableError extends Error {
  override readonly name = "ReplayCacheUnavailableError";
  readonly code = "ERR_REPLAY_CACHE_UNAVAILABLE";
}

/** Bounded: past `maxEntries`, the entry that expires soonest goes first (insertion order ≈ expiry). */
export function createMemoryReplayCache(now: () => number = Date.now, maxEntries = 50_000): ReplayCache {
  const seen = new Map<string, number>();
  return {
    async firstSeen(jkt, jti, ttlSeconds) {
      const key = `${jkt}\0${jti}`;
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
