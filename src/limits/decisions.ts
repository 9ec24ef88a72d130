/**
 * The pure core of abuse control: sliding windows, throttle escalation, daily quotas and the request
 * decision, as functions of plain numbers and an explicit clock. No I/O. The in-memory limiter runs
 * these directly. The Upstash limiter gets its windows from @upstash/ratelimit and its escalation and
 * quotas from one Lua script (upstash-limiter.ts), with the same semantics; the Redis tier tests check
 * the boundaries.
 *
 * Semantics (documented in docs/limits.md), in this order:
 * 1. Blocked: an identity under an escalation block is refused without looking at its window.
 * 2. Sliding window = two epoch-aligned fixed windows, the previous one weighted by how much of it still
 *    overlaps the sliding window: used = floor(prev × (W − elapsed) / W) + cur (Cloudflare's and
 *    @upstash/ratelimit's approximation; the library computes it in floating point, which can differ
 *    by one unit exactly at a boundary). A request of `units` passes iff used + units ≤ limit.
 * 3. Quotas count only when every window passed; a quota refusal still charges the windows (the
 *    request was served, with a tool error) but no quota. Quotas are all or nothing among themselves.
 * - A refused request ends up charging nothing (no window, no quota). Here that is atomic; the Upstash
 *   adapter checks windows and quotas side by side in one request and hands back what a refusal found
 *   charged right after answering (see upstash-limiter.ts, including its one known gap). Repeated
 *   refusals escalate instead (strikes → longer blocks).
 */
import type { ThrottlePolicy, WindowPolicy } from "../config/limits-config";

/** Stored state of one limited identity (IP or principal). Absent keys read as 0. */
export interface WindowState {
  /** Units in the previous fixed window. */
  readonly prev: number;
  /** Units in the current fixed window. */
  readonly cur: number;
  readonly strikes: number;
  /** Epoch ms until which every request is refused; 0 = not blocked. */
  readonly blockedUntil: number;
}

export type WindowStatus = "ok" | "denied" | "blocked";

export interface WindowOutcome {
  readonly status: WindowStatus;
  readonly limit: number;
  /** Units counted in the sliding window, including this request when it passed. */
  readonly used: number;
  /** Epoch ms of the end of the current fixed window (RateLimit-Reset on success). */
  readonly resetAt: number;
  /** Epoch ms until which the caller is refused (Retry-After); 0 when status is ok. */
  readonly blockedUntil: number;
  readonly strikes: number;
}

export type QuotaName = "writes" | "deletes" | "bytesWritten" | "bytesRead";
export const QUOTA_NAMES: readonly QuotaName[] = ["writes", "deletes", "bytesWritten", "bytesRead"];

export interface QuotaOutcome {
  readonly name: QuotaName;
  readonly limit: number;
  /** Amount used today after this request (unchanged when refused). */
  readonly used: number;
  readonly refused: boolean;
}

/** What one limit check found; the same shape from the memory and the Upstash limiter. */
export interface LimitCheck {
  readonly windows: readonly WindowOutcome[];
  readonly quotas: readonly QuotaOutcome[];
  /**
   * Bytes of storage growth reserved with this check (0: none asked, or they did not fit, or the
   * request was refused). Handed back by the caller's storage meter when the call grows less.
   */
  readonly storageReserved?: number;
}

export interface WindowRequest {
  readonly policy: WindowPolicy;
  /** Already clamped to [1, policy.limit] by `clampUnits`. */
  readonly units: number;
}

export interface QuotaRequest {
  readonly name: QuotaName;
  readonly limit: number;
  readonly amount: number;
}

/** A call heavier than the whole window would be refused forever; it costs the whole window instead. */
export function clampUnits(units: number, policy: WindowPolicy): number {
  if (!Number.isFinite(units) || units < 1) return 1;
  return Math.min(Math.ceil(units), policy.limit);
}

export function windowIndex(now: number, windowMs: number): number {
  return Math.floor(now / windowMs);
}

/** The sliding-window count in exact integer arithmetic (the library's is the same formula in floats). */
export function slidingUsed(prev: number, cur: number, now: number, windowMs: number): number {
  return Math.floor((prev * (windowMs - (now % windowMs))) / windowMs) + cur;
}

/**
 * Earliest epoch ms at which `units` more would pass, assuming no other traffic. Used for the first
 * block so that a client honouring Retry-After succeeds on its first retry.
 */
export function earliestRoomAt(
  prev: number,
  cur: number,
  units: number,
  limit: number,
  now: number,
  windowMs: number,
): number {
  const start = windowIndex(now, windowMs) * windowMs;
  const room = limit - cur - units;
  if (room >= 0) {
    if (prev <= room) return now;
    // floor(prev × (W − r) / W) ≤ room  ⟸  r > W − (room + 1) × W / prev
    const r = Math.floor(windowMs - ((room + 1) * windowMs) / prev) + 1;
    if (r < windowMs) return Math.max(now, start + r);
  }
  // Next window: the current count becomes the weighted one and nothing new is counted yet.
  const nextRoom = limit - units;
  if (cur <= nextRoom) return start + windowMs;
  const r = Math.floor(windowMs - ((nextRoom + 1) * windowMs) / cur) + 1;
  return start + windowMs + Math.max(0, r);
}

/** Strike 1 waits for room; each further strike doubles from `baseMs`, capped at `maxMs`. */
export function blockUntil(strikes: number, roomAt: number, now: number, policy: ThrottlePolicy): number {
  if (strikes <= 1) return roomAt;
  const escalated = Math.min(policy.maxMs, policy.baseMs * 2 ** (strikes - 2));
  return Math.max(roomAt, now + escalated);
}

export interface Evaluation {
  readonly check: LimitCheck;
  /** New state per window, or undefined where nothing changes. */
  readonly windows: readonly (WindowState | undefined)[];
  /** New used amount per quota, or undefined where nothing is charged. */
  readonly quotas: readonly (number | undefined)[];
}

/** One atomic limit check (the in-memory limiter; the Upstash adapter reaches the same outcome). */
export function evaluateLimits(
  requests: readonly WindowRequest[],
  states: readonly WindowState[],
  quotas: readonly QuotaRequest[],
  quotaUsed: readonly number[],
  throttle: ThrottlePolicy,
  now: number,
): Evaluation {
  const first = requests.map((request, i) => {
    const state = states[i]!;
    const { limit, windowMs } = request.policy;
    const used = slidingUsed(state.prev, state.cur, now, windowMs);
    const resetAt = (windowIndex(now, windowMs) + 1) * windowMs;
    const status: WindowStatus = state.blockedUntil > now ? "blocked" : used + request.units > limit ? "denied" : "ok";
    return { status, limit, used, resetAt, state };
  });

  if (first.some((w) => w.status !== "ok")) {
    const windows: (WindowState | undefined)[] = [];
    const outcomes = first.map((w, i): WindowOutcome => {
      const request = requests[i]!;
      if (w.status === "denied") {
        const strikes = w.state.strikes + 1;
        const roomAt = earliestRoomAt(w.state.prev, w.state.cur, request.units, w.limit, now, request.policy.windowMs);
        const until = blockUntil(strikes, roomAt, now, throttle);
        windows.push({ ...w.state, strikes, blockedUntil: until });
        return { status: "denied", limit: w.limit, used: w.used, resetAt: w.resetAt, blockedUntil: until, strikes };
      }
      windows.push(undefined);
      const blockedUntil = w.status === "blocked" ? w.state.blockedUntil : 0;
      return {
        status: w.status,
        limit: w.limit,
        used: w.used,
        resetAt: w.resetAt,
        blockedUntil,
        strikes: w.state.strikes,
      };
    });
    return {
      check: {
        windows: outcomes,
        quotas: quotas.map((q, i) => ({ name: q.name, limit: q.limit, used: quotaUsed[i]!, refused: false })),
      },
      windows,
      quotas: quotas.map(() => undefined),
    };
  }

  const refusedIndex = quotas.findIndex((q, i) => q.amount > 0 && quotaUsed[i]! + q.amount > q.limit);
  const chargeQuotas = refusedIndex < 0;
  return {
    check: {
      windows: first.map((w, i) => ({
        status: "ok",
        limit: w.limit,
        used: w.used + requests[i]!.units,
        resetAt: w.resetAt,
        blockedUntil: 0,
        strikes: w.state.strikes,
      })),
      quotas: quotas.map((q, i) => ({
        name: q.name,
        limit: q.limit,
        used: chargeQuotas ? quotaUsed[i]! + q.amount : quotaUsed[i]!,
        refused: i === refusedIndex,
      })),
    },
    windows: first.map((w, i) => ({ ...w.state, cur: w.state.cur + requests[i]!.units })),
    quotas: quotas.map((q, i) => (chargeQuotas && q.amount > 0 ? quotaUsed[i]! + q.amount : undefined)),
  };
}

/** Daily quotas are per UTC day: they reset at 00:00:00Z. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10).replaceAll("-", "");
}

export function nextUtcMidnight(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1);
}

// ---------------------------------------------------------------------------------------------------
// The request decision: what the HTTP layer does with a check (or with no answer at all).

export type Operation = "read" | "write";

export interface QuotaRefusal {
  readonly name: QuotaName;
  readonly limit: number;
  readonly used: number;
  readonly resetsAt: number;
}

export type RequestDecision =
  | { readonly kind: "allow"; readonly quotaRefusal: QuotaRefusal | undefined }
  | {
      readonly kind: "rate_limited";
      readonly retryAt: number;
      readonly which: number;
      readonly blockedFromCache: boolean;
    }
  | { readonly kind: "degraded_allow" }
  | { readonly kind: "degraded_refuse" };

/**
 * `check === undefined` means the limiter could not answer in time (timeout, error): DEGRADED. Reads
 * follow the configured setting; writes and deletes are always refused (invariant 5, docs/architecture.md). Never
 * the library default of "allow".
 */
export function decideRequest(
  check: LimitCheck | undefined,
  operation: Operation,
  degradedReads: "allow" | "refuse",
  now: number,
): RequestDecision {
  if (check === undefined) {
    return operation === "read" && degradedReads === "allow" ? { kind: "degraded_allow" } : { kind: "degraded_refuse" };
  }
  let which = -1;
  let retryAt = 0;
  check.windows.forEach((w, i) => {
    if (w.status !== "ok" && w.blockedUntil > retryAt) {
      retryAt = w.blockedUntil;
      which = i;
    }
  });
  if (which >= 0) return { kind: "rate_limited", retryAt: Math.max(retryAt, now + 1), which, blockedFromCache: false };
  const refused = check.quotas.find((q) => q.refused);
  return {
    kind: "allow",
    quotaRefusal: refused
      ? { name: refused.name, limit: refused.limit, used: refused.used, resetsAt: nextUtcMidnight(now) }
      : undefined,
  };
}

/** Whole seconds, at least 1 (RFC 9110 §10.2.3 delay-seconds; 0 would invite a hot retry loop). */
export function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
