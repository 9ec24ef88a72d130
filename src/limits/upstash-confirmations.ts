/**
 * Used confirmations on the isolate's Upstash client (src/policy/confirmation.ts): one SET NX EX per
 * accepted confirmation, keyed by its nonce (redis-keys.ts), for the sealed state's lifetime. Atomic
 * across isolates and locations, so two retries racing with one state run the call at most once. A
 * failure to answer is an outage: the confirmed call is refused with 503 (invariant 5).
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { DependencyUnavailableError } from "../errors/tool-error";
import type { UsedConfirmations } from "../policy/used-confirmations";
import { usedConfirmationKey } from "./redis-keys";

export function createUpstashUsedConfirmations(redis: Redis): UsedConfirmations {
  return {
    async firstUse(nonce, ttlSeconds) {
      try {
        return (await redis.set(usedConfirmationKey(nonce), 1, { nx: true, ex: ttlSeconds })) === "OK";
      } catch (cause) {
        throw new DependencyUnavailableError("upstash", { cause });
      }
    },
  };
}
