/**
 * In-isolate cache of blocked identities (throttle escalation): a caller the limiter refused is
 * answered from here until its block ends, with no Upstash round trip, so a flood costs us nothing
 * downstream. Only ever shortens the path to a refusal: an entry is written from a limiter answer and
 * expires by itself; a miss falls through to the limiter, which holds the authoritative block.
 */
const MAX_ENTRIES = 10_000;

export interface BlockCache {
  /** Epoch ms until which `key` is blocked, or undefined. */
  blockedUntil(key: string, now: number): number | undefined;
  block(key: string, until: number): void;
}

export function createBlockCache(maxEntries = MAX_ENTRIES): BlockCache {
  const entries = new Map<string, number>();
  return {
    blockedUntil(key, now) {
      const until = entries.get(key);
      if (until === undefined) return undefined;
      if (until <= now) {
        entries.delete(key);
        return undefined;
      }
      return until;
    },
    block(key, until) {
      entries.delete(key);
      entries.set(key, until);
      // Insertion order ≈ expiry order; dropping the oldest can only cost a Redis round trip later.
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
