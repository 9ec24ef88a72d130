/**
 * The sliding-window request limits, by @upstash/ratelimit (`Ratelimit.slidingWindow`): one
 * `Ratelimit` per window configuration (limit, length) per isolate, all on the isolate's one
 * auto-pipelining client.
 *
 * Settings, each chosen on purpose:
 * - `timeout`: explicit (LIMITS_UPSTASH_TIMEOUT_MS). On timeout the library RESOLVES
 *   `{ success: true, reason: "timeout" }`; `isTimeout` lets the caller treat that as unavailable.
 * - `ephemeralCache: false`: our own block cache (block-cache.ts) answers blocked identities before the
 *   library is called, with escalated blocks and a size bound; the library's Map is unbounded (an IP
 *   spray would grow it) and would only ever hold a subset of ours.
 * - `analytics: false`, `enableProtection: false`: both add Redis commands (and protection downloads a
 *   deny list from the internet), which would break the one-request budget and work offline.
 * - Keys: prefix `r2mcp:v1:rl` and identifier `ip:<h>` / `sub:<h>` give the library's keys
 *   `r2mcp:v1:rl:ip:<h>:<window index>` (see redis-keys.ts); the identity key passed in is exactly
 *   `<prefix>:<identifier>`, so our strikes/block keys sit next to the library's counters.
 *
 * `limit()` issues its EVALSHA synchronously (Ratelimit.limit → getRatelimitResponse →
 * slidingWindow.limit → safeEval → redis.evalsha, no await before it while the ephemeral cache,
 * deny list and dynamic limits are off), which is what lets the caller batch it with other commands.
 */
import { type Duration, Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { WindowPolicy } from "../config/limits-config";
import { RATE_LIMIT_PREFIX } from "./redis-keys";

/** The library does not export its response type. */
export type RatelimitResponse = Awaited<ReturnType<Ratelimit["limit"]>>;

export interface WindowLimiters {
  /** Charges `units` to the identity's window if they fit; the library's own answer. */
  limit(policy: WindowPolicy, key: string, units: number): Promise<RatelimitResponse>;
  /** Hands `units` back (the library's negative rate: no check, INCRBY −units on the current window). */
  refund(policy: WindowPolicy, key: string, units: number): Promise<RatelimitResponse>;
}

/** The library's silent "allowed" on timeout, which we must never take for an answer. */
export function isTimeout(response: RatelimitResponse): boolean {
  return response.reason === "timeout";
}

function identifierOf(key: string): string {
  if (!key.startsWith(`${RATE_LIMIT_PREFIX}:`)) throw new Error("rate-limit keys must be built by redis-keys.ts");
  return key.slice(RATE_LIMIT_PREFIX.length + 1);
}

export function createWindowLimiters(redis: Redis, timeoutMs: number): WindowLimiters {
  const instances = new Map<string, Ratelimit>();
  const instance = (policy: WindowPolicy): Ratelimit => {
    const id = `${policy.limit}/${policy.windowMs}`;
    let ratelimit = instances.get(id);
    if (!ratelimit) {
      ratelimit = new Ratelimit({
        redis,
        limiter: Ratelimit.slidingWindow(policy.limit, `${policy.windowMs} ms` as Duration),
        prefix: RATE_LIMIT_PREFIX,
        timeout: timeoutMs,
        ephemeralCache: false,
        analytics: false,
        enableProtection: false,
        enableTelemetry: false,
      });
      instances.set(id, ratelimit);
    }
    return ratelimit;
  };
  return {
    limit: (policy, key, units) => instance(policy).limit(identifierOf(key), { rate: units }),
    refund: (policy, key, units) => instance(policy).limit(identifierOf(key), { rate: -units }),
  };
}
