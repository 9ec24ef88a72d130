/**
 * Upstash adapter: every limit of a request in ONE Lua script, so one request costs exactly one
 * Upstash HTTP round trip (EVALSHA; plus one EVAL the first time a Redis has not seen the script),
 * and the all-or-nothing semantics of decisions.ts hold atomically across isolates.
 *
 * Why not @upstash/ratelimit: one `limit()` per window plus our quota counters would be several
 * scripts whose batching into one HTTP request depends on microtask timing inside auto-pipelining,
 * they cannot refuse all-or-nothing (a 429 would still burn daily quota), and its timeout answers
 * "allowed". The arithmetic below mirrors decisions.ts line by line; the Redis tier tests compare them.
 *
 * Failure mode: the client gets a fresh `AbortSignal.timeout` per request (a static signal would be
 * spent after the first use), no retries (a retry after a timeout only adds latency), and every
 * failure becomes `LimiterUnavailableError` for the caller to map through LIMITS_DEGRADED_READS.
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { LimitCheck, QuotaOutcome, WindowOutcome, WindowStatus } from "./decisions";
import { windowIndex } from "./decisions";
import type { ThrottlePolicy } from "./limits-config";
import { LimiterUnavailableError, type LimitRequest, type Limiter, type StorageLedger } from "./limiter";

// KEYS: per window 4 keys (current, previous, strikes, block), then one key per quota.
// ARGV: now, #windows, #quotas, baseMs, maxMs, strikeMemoryMs, quotaExpiresAtMs,
//       per window (limit, windowMs, units), per quota (limit, amount).
// Returns a flat array: per window (status 0 ok | 1 denied | 2 blocked, used, blockedUntil, strikes),
// then per quota (used, refused 0|1).
export const LIMITS_SCRIPT = `
local now = tonumber(ARGV[1])
local nw = tonumber(ARGV[2])
local nq = tonumber(ARGV[3])
local base = tonumber(ARGV[4])
local maxb = tonumber(ARGV[5])
local memory = tonumber(ARGV[6])
local quotaExpiresAt = tonumber(ARGV[7])

local function earliest_room(prev, cur, units, limit, win)
  local start = math.floor(now / win) * win
  local room = limit - cur - units
  if room >= 0 then
    if prev <= room then return now end
    local r = math.floor(win - ((room + 1) * win) / prev) + 1
    if r < win then return math.max(now, start + r) end
  end
  local nextRoom = limit - units
  if cur <= nextRoom then return start + win end
  local r = math.floor(win - ((nextRoom + 1) * win) / cur) + 1
  return start + win + math.max(0, r)
end

local w = {}
local anyRefused = false
for i = 1, nw do
  local k = (i - 1) * 4
  local a = 8 + (i - 1) * 3
  local limit, win, units = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local cur = tonumber(redis.call('GET', KEYS[k + 1]) or '0')
  local prev = tonumber(redis.call('GET', KEYS[k + 2]) or '0')
  local strikes = tonumber(redis.call('GET', KEYS[k + 3]) or '0')
  local blocked = tonumber(redis.call('GET', KEYS[k + 4]) or '0')
  local used = math.floor((prev * (win - (now % win))) / win) + cur
  local status = 0
  if blocked > now then status = 2 elseif used + units > limit then status = 1 end
  if status ~= 0 then anyRefused = true end
  w[i] = { status = status, used = used, cur = cur, prev = prev, strikes = strikes, blocked = blocked, limit = limit, win = win, units = units }
end

local out = {}
if anyRefused then
  for i = 1, nw do
    local k = (i - 1) * 4
    local x = w[i]
    local blockedUntil = 0
    if x.status == 1 then
      x.strikes = redis.call('INCR', KEYS[k + 3])
      redis.call('PEXPIRE', KEYS[k + 3], memory)
      blockedUntil = earliest_room(x.prev, x.cur, x.units, x.limit, x.win)
      if x.strikes > 1 then
        blockedUntil = math.max(blockedUntil, now + math.min(maxb, base * 2 ^ (x.strikes - 2)))
      end
      redis.call('SET', KEYS[k + 4], blockedUntil, 'PX', math.max(1, blockedUntil - now))
    elseif x.status == 2 then
      blockedUntil = x.blocked
    end
    table.insert(out, x.status); table.insert(out, x.used); table.insert(out, blockedUntil); table.insert(out, x.strikes)
  end
  for q = 1, nq do
    table.insert(out, tonumber(redis.call('GET', KEYS[nw * 4 + q]) or '0')); table.insert(out, 0)
  end
  return out
end

local qa = 8 + nw * 3
local used = {}
local refused = 0
for q = 1, nq do
  local limit, amount = tonumber(ARGV[qa + (q - 1) * 2]), tonumber(ARGV[qa + (q - 1) * 2 + 1])
  used[q] = tonumber(redis.call('GET', KEYS[nw * 4 + q]) or '0')
  if refused == 0 and amount > 0 and used[q] + amount > limit then refused = q end
end
for q = 1, nq do
  local amount = tonumber(ARGV[qa + (q - 1) * 2 + 1])
  if refused == 0 and amount > 0 then
    used[q] = redis.call('INCRBY', KEYS[nw * 4 + q], amount)
    redis.call('PEXPIREAT', KEYS[nw * 4 + q], quotaExpiresAt)
  end
end
for i = 1, nw do
  local k = (i - 1) * 4
  local x = w[i]
  redis.call('INCRBY', KEYS[k + 1], x.units)
  -- The current window is read as "previous" during the next one, then never again.
  redis.call('PEXPIRE', KEYS[k + 1], x.win * 2 + 1000)
  table.insert(out, 0); table.insert(out, x.used + x.units); table.insert(out, 0); table.insert(out, x.strikes)
end
for q = 1, nq do
  table.insert(out, used[q]); table.insert(out, (refused == q) and 1 or 0)
end
return out
`;

// Negative deltas are never refused and the figure never goes below zero (a lost increment must not
// turn into free quota later). Returns {ok 0|1, used}.
export const STORAGE_SCRIPT = `
local delta = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if delta > 0 and current + delta > limit then return {0, current} end
local nextUsed = current + delta
if nextUsed < 0 then nextUsed = 0 end
redis.call('SET', KEYS[1], nextUsed)
return {1, nextUsed}
`;

const STATUS: readonly WindowStatus[] = ["ok", "denied", "blocked"];

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface UpstashOptions {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** One client per isolate: it holds no per-request data, only the URL, token and options. */
export function createUpstashClient(options: UpstashOptions): Redis {
  return new Redis({
    url: options.url,
    token: options.token,
    // One command per request by design; auto-pipelining would only add a microtask of delay.
    enableAutoPipelining: false,
    retry: false,
    // A function, so every request gets a fresh timer (a static signal aborts everything after it fires).
    signal: () => AbortSignal.timeout(options.timeoutMs),
    enableTelemetry: false,
  });
}

/** EVALSHA, falling back to EVAL once when this Redis has not seen the script yet. */
function createScriptRunner(redis: Redis, script: string) {
  const sha = sha1Hex(script);
  return async (keys: string[], args: (string | number)[]): Promise<number[]> => {
    try {
      try {
        return await redis.evalsha<(string | number)[], number[]>(await sha, keys, args);
      } catch (error) {
        if (!String(error).includes("NOSCRIPT")) throw error;
        return await redis.eval<(string | number)[], number[]>(script, keys, args);
      }
    } catch (error) {
      const aborted = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError" || /abort|timed? ?out/i.test(error.message));
      throw new LimiterUnavailableError(aborted ? "timeout" : "error", { cause: error });
    }
  };
}

export function createUpstashLimiter(redis: Redis, throttle: ThrottlePolicy): Limiter {
  const run = createScriptRunner(redis, LIMITS_SCRIPT);
  return {
    async check(request: LimitRequest): Promise<LimitCheck> {
      const { now } = request;
      const keys: string[] = [];
      const args: (string | number)[] = [now, request.windows.length, request.quotas.length, throttle.baseMs, throttle.maxMs, throttle.strikeMemoryMs, request.quotaExpiresAt];
      for (const { key, request: w } of request.windows) {
        const index = windowIndex(now, w.policy.windowMs);
        keys.push(`${key}:${index}`, `${key}:${index - 1}`, `${key}:strikes`, `${key}:block`);
        args.push(w.policy.limit, w.policy.windowMs, w.units);
      }
      for (const { key, request: q } of request.quotas) {
        keys.push(key);
        args.push(q.limit, q.amount);
      }
      const flat = (await run(keys, args)).map(Number);
      const windows = request.windows.map(({ request: w }, i): WindowOutcome => {
        const [status, used, blockedUntil, strikes] = flat.slice(i * 4, i * 4 + 4) as [number, number, number, number];
        return {
          status: STATUS[status] ?? "blocked",
          limit: w.policy.limit,
          used,
          resetAt: (windowIndex(now, w.policy.windowMs) + 1) * w.policy.windowMs,
          blockedUntil,
          strikes,
        };
      });
      const offset = request.windows.length * 4;
      const quotas = request.quotas.map(({ request: q }, i): QuotaOutcome => ({
        name: q.name,
        limit: q.limit,
        used: flat[offset + i * 2]!,
        refused: flat[offset + i * 2 + 1] === 1,
      }));
      return { windows, quotas };
    },
  };
}

export function createUpstashStorageLedger(redis: Redis): StorageLedger {
  const run = createScriptRunner(redis, STORAGE_SCRIPT);
  return {
    async adjust(key, delta, limit) {
      const [ok, used] = (await run([key], [Math.trunc(delta), limit])).map(Number) as [number, number];
      return { ok: ok === 1, used };
    },
    async used(key) {
      try {
        return Number((await redis.get<number>(key)) ?? 0);
      } catch (error) {
        throw new LimiterUnavailableError("error", { cause: error });
      }
    },
  };
}
