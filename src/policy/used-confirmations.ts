/**
 * Confirmations already used. `firstUse` records `nonce` for `ttlSeconds` and answers true only the
 * first time; an unreachable store throws `DependencyUnavailableError("upstash")` (the call is refused
 * with 503, never run without the check). Upstash in production (src/limits/upstash-confirmations.ts),
 * in memory per isolate with ENVIRONMENT=development (below).
 */
export interface UsedConfirmations {
  firstUse(nonce: string, ttlSeconds: number): Promise<boolean>;
}

/** Per isolate, bounded: past `maxEntries` the oldest (soonest to expire) entry goes first. */
export function createMemoryUsedConfirmations(now: () => number = Date.now, maxEntries = 10_000): UsedConfirmations {
  const used = new Map<string, number>();
  return {
    async firstUse(nonce, ttlSeconds) {
      const at = now();
      const until = used.get(nonce);
      if (until !== undefined && until > at) return false;
      used.delete(nonce);
      used.set(nonce, at + ttlSeconds * 1000);
      if (used.size > maxEntries) used.delete(used.keys().next().value as string);
      return true;
    },
  };
}
