/**
 * Where detector state lives so it survives isolates: Upstash Redis, through the same client and
 * script runner as the rate limits (src/limits/upstash-client.ts), in ONE script call per consumer
 * batch. In development without Upstash, an in-memory store (per isolate; `wrangler dev` runs the
 * consumer in the same isolate, so it behaves the same locally).
 *
 * Why Upstash rather than a Durable Object: production already requires it (limits), so detectors add
 * no binding, no migration and no second stateful system to operate; one script call per batch is one
 * round trip, and the consumer is off the request path, so its latency costs no user anything.
 *
 * Sliding windows are sorted sets scored by event time with members `<event uid>|<weight>`: a
 * redelivered event is the same member, so at-least-once delivery never double counts. Each window
 * keeps at most 10,000 members (thresholds are capped to that) and expires with its window.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { createScript, type Script } from "../upstash/script";
import { type NoveltyObservation, noveltyKey, type Observations, type StoreVerdict, windowKey } from "./detectors";

export interface DetectorStore {
  evaluate(observations: Observations, cooldownKeys: readonly string[], now: number): Promise<StoreVerdict>;
  /** Starts a cooldown; false when another run already holds it. */
  claimCooldown(key: string, seconds: number, now: number): Promise<boolean>;
}

const MAX_MEMBERS = 10_000;
/** How long a principal's known countries and ASNs are remembered. */
export const LOCATION_MEMORY_SECONDS = 90 * 86_400;

export function createMemoryDetectorStore(): DetectorStore {
  const windows = new Map<string, Map<string, { time: number; weight: number }>>();
  const cooldowns = new Map<string, number>();
  const seen = new Map<string, Set<string>>();
  return {
    async evaluate(observations, cooldownKeys, now) {
      const totals = new Map<string, number>();
      for (const o of observations.windows) {
        const key = windowKey(o);
        const members = windows.get(key) ?? new Map<string, { time: number; weight: number }>();
        windows.set(key, members);
        members.set(`${o.eventUid}|${o.weight}`, { time: o.time, weight: o.weight });
        const floor = now - o.limits.windowSeconds * 1000;
        for (const [member, entry] of members) if (entry.time <= floor) members.delete(member);
        while (members.size > MAX_MEMBERS) members.delete(members.keys().next().value!);
        totals.set(
          key,
          [...members.values()].reduce((sum, entry) => sum + entry.weight, 0),
        );
      }
      const coolingDown = new Set(cooldownKeys.filter((key) => (cooldowns.get(key) ?? 0) > now));
      const novel = observations.novelties.map((o: NoveltyObservation) => {
        const key = `${o.subjectKey}|${o.value.split(":")[0]}`;
        const values = seen.get(key) ?? new Set<string>();
        seen.set(key, values);
        const isNew = !values.has(o.value) && values.size > 0;
        values.add(o.value);
        return isNew;
      });
      return { totals, coolingDown, novel };
    },
    async claimCooldown(key, seconds, now) {
      if ((cooldowns.get(key) ?? 0) > now) return false;
      cooldowns.set(key, now + seconds * 1000);
      return true;
    },
  };
}

// KEYS: windows…, cooldowns…, novelty sets…; ARGV: now, #windows, #cooldowns, #novelties, then
// per window (member, weight, windowMs, time), then per novelty (value, ttlSeconds).
const EVALUATE = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local m = tonumber(ARGV[3])
local k = tonumber(ARGV[4])
local out = {}
local a = 5
for i = 1, n do
  local key = KEYS[i]
  local win = tonumber(ARGV[a + 2])
  redis.call('ZADD', key, tonumber(ARGV[a + 3]), ARGV[a] .. '|' .. ARGV[a + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
  redis.call('ZREMRANGEBYRANK', key, 0, -${MAX_MEMBERS + 1})
  redis.call('PEXPIRE', key, win)
  local total = 0
  for _, v in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    total = total + tonumber(string.match(v, '|(%d+)$'))
  end
  out[#out + 1] = total
  a = a + 4
end
for j = 1, m do
  out[#out + 1] = redis.call('EXISTS', KEYS[n + j])
end
for j = 1, k do
  local key = KEYS[n + m + j]
  local had = redis.call('SCARD', key)
  local added = redis.call('SADD', key, ARGV[a])
  redis.call('EXPIRE', key, tonumber(ARGV[a + 1]))
  if had > 0 and added == 1 then out[#out + 1] = 1 else out[#out + 1] = 0 end
  a = a + 2
end
return out
`;

async function hashed(prefix: string, key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return `audit:${prefix}:${[...digest.slice(0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function createUpstashDetectorStore(redis: Redis): DetectorStore {
  const script: Script = createScript(redis, EVALUATE);
  return {
    async evaluate(observations, cooldownKeys, now) {
      const windowKeys = observations.windows.map(windowKey);
      const noveltyKeys = observations.novelties.map((o) => `${o.subjectKey}|${o.value.split(":")[0]}`);
      const keys = await Promise.all([
        ...windowKeys.map((key) => hashed("win", key)),
        ...cooldownKeys.map((key) => hashed("cool", key)),
        ...noveltyKeys.map((key) => hashed("seen", key)),
      ]);
      const args: (string | number)[] = [now, windowKeys.length, cooldownKeys.length, noveltyKeys.length];
      for (const o of observations.windows)
        args.push(o.eventUid, Math.round(o.weight), o.limits.windowSeconds * 1000, o.time);
      for (const o of observations.novelties) args.push(o.value, LOCATION_MEMORY_SECONDS);
      await script.ready;
      const out = (await script.run(keys, args)).map(Number);
      // Several observations of one window in a batch: the last total is the window's total.
      const totals = new Map(windowKeys.map((key, i) => [key, out[i] ?? 0] as const));
      const coolingDown = new Set(cooldownKeys.filter((_, j) => out[windowKeys.length + j] === 1));
      const offset = windowKeys.length + cooldownKeys.length;
      return { totals, coolingDown, novel: noveltyKeys.map((_, j) => out[offset + j] === 1) };
    },
    async claimCooldown(key, seconds) {
      if (seconds === 0) return true;
      return (await redis.set(await hashed("cool", key), 1, { nx: true, ex: seconds })) === "OK";
    },
  };
}

export { noveltyKey };
