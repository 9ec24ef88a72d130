/**
 * Our Lua scripts next to @upstash/ratelimit's: the parts of a limit check the library does not do
 * (throttle escalation, daily quotas) and the storage ledger. Plain Redis 7 Lua, no Upstash-only
 * shebang flags, so the same text runs on Upstash and on a local redis-server behind the test bridge.
 *
 * Why scripts and not plain commands: each one must read-then-write atomically (a quota is charged
 * all or nothing; a block only ever grows), and one EVALSHA per concern keeps the hot path to a fixed,
 * small number of commands in one pipeline.
 */

/**
 * GATE, on the hot path, in the same pipeline as the library's window checks.
 * Reads each identity's strikes and Redis-held block, and checks the daily quotas: charges them all
 * (INCRBY, expiring after the UTC day) only if every one fits AND no identity is blocked; otherwise
 * charges none. Whether a window refuses is not known here (the library answers in the same pipeline),
 * so the caller refunds the quotas with SETTLE when a window refused.
 *
 * When it charges, it also reserves a write's storage growth (an upper bound from the input) on the
 * tenant's storage counter, if that fits under the storage limit; if it does not fit, nothing is
 * reserved and nothing is refused (the write then reserves its exact growth through STORAGE).
 *
 * KEYS: per window (strikes, block), then one key per quota, then the storage key when reserving.
 * ARGV: now, #windows, #quotas, quotaExpiresAt, per quota (limit, amount), storage limit, bytes to
 *   reserve (0 = none).
 * Returns: per window (strikes, blockedUntil or 0), then charged 0|1, refused quota index (1-based,
 * 0 = none), then per quota the amount used today (after the charge when charged), then the bytes
 * reserved (0 when none).
 */
export const GATE_SCRIPT = `
local now = tonumber(ARGV[1])
local nw = tonumber(ARGV[2])
local nq = tonumber(ARGV[3])
local quotaExpiresAt = tonumber(ARGV[4])
local out = {}
local blocked = false
for i = 1, nw do
  local strikes = tonumber(redis.call('GET', KEYS[(i - 1) * 2 + 1]) or '0')
  local blockedUntil = tonumber(redis.call('GET', KEYS[(i - 1) * 2 + 2]) or '0')
  if blockedUntil > now then blocked = true else blockedUntil = 0 end
  table.insert(out, strikes); table.insert(out, blockedUntil)
end
local used = {}
local refused = 0
for q = 1, nq do
  local limit, amount = tonumber(ARGV[4 + (q - 1) * 2 + 1]), tonumber(ARGV[4 + (q - 1) * 2 + 2])
  used[q] = tonumber(redis.call('GET', KEYS[nw * 2 + q]) or '0')
  if refused == 0 and amount > 0 and used[q] + amount > limit then refused = q end
end
local charge = (not blocked) and refused == 0
for q = 1, nq do
  local amount = tonumber(ARGV[4 + (q - 1) * 2 + 2])
  if charge and amount > 0 then
    used[q] = redis.call('INCRBY', KEYS[nw * 2 + q], amount)
    redis.call('PEXPIREAT', KEYS[nw * 2 + q], quotaExpiresAt)
  end
end
local storageLimit = tonumber(ARGV[4 + nq * 2 + 1] or '0')
local reserve = tonumber(ARGV[4 + nq * 2 + 2] or '0')
local reserved = 0
if charge and reserve > 0 then
  local storageKey = KEYS[nw * 2 + nq + 1]
  local current = tonumber(redis.call('GET', storageKey) or '0')
  if current + reserve <= storageLimit then
    redis.call('INCRBY', storageKey, reserve)
    reserved = reserve
  end
end
table.insert(out, charge and 1 or 0); table.insert(out, refused)
for q = 1, nq do table.insert(out, used[q]) end
table.insert(out, reserved)
return out
`;

/**
 * SETTLE, only after a refusal (off the hot path, after the response where the runtime allows).
 * Records a strike and the block for each window that denied, and hands back quota charges and the
 * storage reservation GATE made for a request that was refused after all. A block only ever grows (another isolate may have set a
 * longer one); a refund never leaves a counter below zero.
 *
 * KEYS: per denied window (strikes, block), then one key per quota to refund.
 * ARGV: now, strikeMemoryMs, #denied, per denied window blockedUntil (epoch ms), then per quota amount.
 */
export const SETTLE_SCRIPT = `
local now = tonumber(ARGV[1])
local memory = tonumber(ARGV[2])
local nd = tonumber(ARGV[3])
for i = 1, nd do
  local strikesKey, blockKey = KEYS[(i - 1) * 2 + 1], KEYS[(i - 1) * 2 + 2]
  redis.call('INCR', strikesKey)
  redis.call('PEXPIRE', strikesKey, memory)
  local blockedUntil = tonumber(ARGV[3 + i])
  local current = tonumber(redis.call('GET', blockKey) or '0')
  if blockedUntil > current and blockedUntil > now then
    redis.call('SET', blockKey, blockedUntil, 'PX', blockedUntil - now)
  end
end
for q = nd * 2 + 1, #KEYS do
  local left = redis.call('DECRBY', KEYS[q], tonumber(ARGV[3 + nd + q - nd * 2]))
  if left <= 0 then redis.call('DEL', KEYS[q]) end
end
return nd
`;

/**
 * STORAGE: live bytes per tenant. Negative deltas are never refused and the figure never goes below
 * zero (a lost increment must not turn into free quota later).
 * KEYS: storage key. ARGV: delta, limit. Returns {ok 0|1, used}.
 */
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

/**
 * QUOTA_ADD, after the answer: adds what a call used to a daily counter (bytes read), never refused.
 * The counter keeps the UTC day's expiry (set again, so a counter first made here still expires).
 * KEYS: quota key. ARGV: amount, expiresAt (epoch ms). Returns the new total.
 */
export const QUOTA_ADD_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
redis.call('PEXPIREAT', KEYS[1], tonumber(ARGV[2]))
return total
`;
