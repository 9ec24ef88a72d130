/**
 * The pure core of abuse control with an injected clock: sliding windows at the boundary, all-or-nothing
 * charging, escalation, quotas, the degraded decision and the headers. The memory limiter is checked
 * here too (it is these functions over Maps); the Upstash adapter (@upstash/ratelimit windows + GATE
 * script) is checked against real Redis in test/redis/.
 */
import { describe, expect, it } from "vitest";
import type { ThrottlePolicy, WindowPolicy } from "../../src/config/limits-config";
import { rateLimitHeaders } from "../../src/http/rate-limit-headers";
import { createBlockCache } from "../../src/limits/block-cache";
import {
  blockUntil,
  clampUnits,
  decideRequest,
  earliestRoomAt,
  evaluateLimits,
  nextUtcMidnight,
  secondsUntil,
  slidingUsed,
  utcDay,
  type WindowState,
} from "../../src/limits/decisions";
import { createMemoryLimiter, createMemoryStorageLedger } from "../../src/limits/memory-limiter";

const W: WindowPolicy = { limit: 5, windowMs: 60_000 };
const THROTTLE: ThrottlePolicy = { baseMs: 30_000, maxMs: 120_000, strikeMemoryMs: 3_600_000 };
const EMPTY: WindowState = { prev: 0, cur: 0, strikes: 0, blockedUntil: 0 };
const T0 = Date.UTC(2026, 10, 21, 12, 0, 0); // a window boundary for 60 s windows

describe("sliding window arithmetic", () => {
  it("weights the previous window by its remaining overlap", () => {
    expect(slidingUsed(10, 0, T0, 60_000)).toBe(10);
    expect(slidingUsed(10, 2, T0 + 30_000, 60_000)).toBe(7);
    expect(slidingUsed(10, 2, T0 + 59_999, 60_000)).toBe(2);
  });

  it("finds the earliest time with room, which then really has room", () => {
    for (const [prev, cur, units] of [
      [5, 0, 1],
      [4, 1, 1],
      [0, 5, 1],
      [5, 5, 3],
      [3, 2, 2],
    ] as const) {
      const now = T0 + 10_000;
      const at = earliestRoomAt(prev, cur, units, 5, now, 60_000);
      expect(at).toBeGreaterThanOrEqual(now);
      // Re-evaluate at `at` with the counts rolled as they would be.
      const sameWindow = Math.floor(at / 60_000) === Math.floor(now / 60_000);
      const [p, c] = sameWindow ? [prev, cur] : [cur, 0];
      expect(slidingUsed(p, c, at, 60_000) + units, `${prev},${cur},${units}`).toBeLessThanOrEqual(5);
      if (at > now) {
        const before = at - 1;
        const same = Math.floor(before / 60_000) === Math.floor(now / 60_000);
        const [p2, c2] = same ? [prev, cur] : [cur, 0];
        expect(slidingUsed(p2, c2, before, 60_000) + units).toBeGreaterThan(5);
      }
    }
  });

  it("clamps units to [1, limit]", () => {
    expect(clampUnits(0, W)).toBe(1);
    expect(clampUnits(2.2, W)).toBe(3);
    expect(clampUnits(1_000, W)).toBe(5);
    expect(clampUnits(Number.NaN, W)).toBe(1);
  });
});

describe("evaluateLimits", () => {
  it("allows exactly the limit, then denies with a block until there is room", () => {
    let state = EMPTY;
    for (let i = 1; i <= 5; i++) {
      const result = evaluateLimits([{ policy: W, units: 1 }], [state], [], [], THROTTLE, T0 + i);
      expect(result.check.windows[0]).toMatchObject({ status: "ok", used: i, limit: 5, resetAt: T0 + 60_000 });
      state = result.windows[0]!;
    }
    const denied = evaluateLimits([{ policy: W, units: 1 }], [state], [], [], THROTTLE, T0 + 10);
    expect(denied.check.windows[0]).toMatchObject({ status: "denied", strikes: 1, used: 5 });
    // First strike: blocked exactly until room appears (prev = 5 must decay below 5 → just after the window).
    expect(denied.check.windows[0]!.blockedUntil).toBe(earliestRoomAt(0, 5, 1, 5, T0 + 10, 60_000));
    expect(denied.windows[0]).toMatchObject({ cur: 5, strikes: 1 });
  });

  it("charges nothing when any window refuses (all or nothing)", () => {
    const full: WindowState = { prev: 0, cur: 5, strikes: 0, blockedUntil: 0 };
    const result = evaluateLimits(
      [
        { policy: { limit: 100, windowMs: 60_000 }, units: 1 },
        { policy: W, units: 1 },
      ],
      [EMPTY, full],
      [{ name: "writes", limit: 10, amount: 1 }],
      [0],
      THROTTLE,
      T0,
    );
    expect(result.check.windows.map((w) => w.status)).toEqual(["ok", "denied"]);
    expect(result.windows[0]).toBeUndefined();
    expect(result.quotas).toEqual([undefined]);
    expect(result.check.quotas[0]).toMatchObject({ used: 0, refused: false });
  });

  it("escalates: strike n blocks for base × 2^(n−2), capped, and never less than the room time", () => {
    const now = T0 + 1_000;
    expect(blockUntil(1, now + 5_000, now, THROTTLE)).toBe(now + 5_000);
    expect(blockUntil(2, now + 5_000, now, THROTTLE)).toBe(now + 30_000);
    expect(blockUntil(3, now + 5_000, now, THROTTLE)).toBe(now + 60_000);
    expect(blockUntil(4, now + 5_000, now, THROTTLE)).toBe(now + 120_000);
    expect(blockUntil(9, now + 5_000, now, THROTTLE)).toBe(now + 120_000);
    expect(blockUntil(2, now + 50_000, now, THROTTLE)).toBe(now + 50_000);
  });

  it("refuses a quota without charging it, but charges the windows", () => {
    const result = evaluateLimits(
      [{ policy: W, units: 1 }],
      [EMPTY],
      [
        { name: "writes", limit: 10, amount: 1 },
        { name: "bytesWritten", limit: 100, amount: 60 },
      ],
      [3, 50],
      THROTTLE,
      T0,
    );
    expect(result.check.quotas).toEqual([
      { name: "writes", limit: 10, used: 3, refused: false },
      { name: "bytesWritten", limit: 100, used: 50, refused: true },
    ]);
    expect(result.quotas).toEqual([undefined, undefined]);
    expect(result.windows[0]).toMatchObject({ cur: 1 });
  });
});

describe("memory limiter (the pure core over Maps)", () => {
  const check = (limiter: ReturnType<typeof createMemoryLimiter>, key: string, now: number, units = 1) =>
    limiter.check({
      windows: [{ key, request: { policy: W, units } }],
      quotas: [],
      quotaExpiresAt: now + 86_400_000,
      now,
    });

  it("keeps identities apart and escalates repeat offenders across blocks", async () => {
    const limiter = createMemoryLimiter(THROTTLE);
    for (let i = 0; i < 5; i++) expect((await check(limiter, "a", T0 + i)).windows[0]!.status).toBe("ok");
    expect((await check(limiter, "b", T0 + 5)).windows[0]!.status).toBe("ok");
    const first = (await check(limiter, "a", T0 + 6)).windows[0]!;
    expect(first).toMatchObject({ status: "denied", strikes: 1 });
    expect((await check(limiter, "a", T0 + 7)).windows[0]).toMatchObject({
      status: "blocked",
      blockedUntil: first.blockedUntil,
    });
    // Still over when the block ends? The window has slid enough by then: allowed.
    expect((await check(limiter, "a", first.blockedUntil)).windows[0]!.status).toBe("ok");
    // Fill again and get denied: second strike, at least the base block.
    let now = first.blockedUntil;
    let outcome: Awaited<ReturnType<typeof check>>["windows"][number];
    do {
      now += 1;
      outcome = (await check(limiter, "a", now)).windows[0]!;
    } while (outcome.status === "ok");
    expect(outcome).toMatchObject({ status: "denied", strikes: 2 });
    expect(outcome.blockedUntil - now).toBeGreaterThanOrEqual(THROTTLE.baseMs);
  });

  it("forgets quotas at their expiry (the next UTC day)", async () => {
    const limiter = createMemoryLimiter(THROTTLE);
    const quota = (now: number) =>
      limiter.check({
        windows: [],
        quotas: [{ key: `q:${utcDay(now)}`, request: { name: "writes", limit: 2, amount: 1 } }],
        quotaExpiresAt: nextUtcMidnight(now),
        now,
      });
    expect((await quota(T0)).quotas[0]).toMatchObject({ used: 1, refused: false });
    expect((await quota(T0 + 1)).quotas[0]).toMatchObject({ used: 2, refused: false });
    expect((await quota(T0 + 2)).quotas[0]).toMatchObject({ used: 2, refused: true });
    const tomorrow = nextUtcMidnight(T0);
    expect((await quota(tomorrow)).quotas[0]).toMatchObject({ used: 1, refused: false });
  });

  it("storage ledger: check-and-add, never refuses a release, never goes negative", async () => {
    const ledger = createMemoryStorageLedger();
    expect(await ledger.adjust("t", 80, 100)).toEqual({ ok: true, used: 80 });
    expect(await ledger.adjust("t", 21, 100)).toEqual({ ok: false, used: 80 });
    expect(await ledger.adjust("t", 20, 100)).toEqual({ ok: true, used: 100 });
    expect(await ledger.adjust("t", -150, 100)).toEqual({ ok: true, used: 0 });
  });
});

describe("request decision and headers", () => {
  const ok = { status: "ok" as const, limit: 10, used: 4, resetAt: T0 + 30_500, blockedUntil: 0, strikes: 0 };

  it("maps an unavailable limiter through the fail mode, never to a silent allow for writes", () => {
    expect(decideRequest(undefined, "read", "allow", T0)).toEqual({ kind: "degraded_allow" });
    expect(decideRequest(undefined, "read", "refuse", T0)).toEqual({ kind: "degraded_refuse" });
    expect(decideRequest(undefined, "write", "allow", T0)).toEqual({ kind: "degraded_refuse" });
  });

  it("reports the latest block and the quota's UTC-midnight reset", () => {
    const denied = { ...ok, status: "denied" as const, blockedUntil: T0 + 7_200, strikes: 1 };
    expect(decideRequest({ windows: [ok, denied], quotas: [] }, "read", "refuse", T0)).toMatchObject({
      kind: "rate_limited",
      which: 1,
      retryAt: T0 + 7_200,
    });
    const decision = decideRequest(
      { windows: [ok], quotas: [{ name: "deletes", limit: 3, used: 3, refused: true }] },
      "write",
      "refuse",
      T0,
    );
    expect(decision).toEqual({
      kind: "allow",
      quotaRefusal: { name: "deletes", limit: 3, used: 3, resetsAt: Date.UTC(2026, 10, 22) },
    });
  });

  it("builds RateLimit-* from the tightest window, in whole seconds ≥ 1", () => {
    const tight = { ...ok, limit: 5, used: 5, resetAt: T0 + 100 };
    expect(rateLimitHeaders([ok, tight], T0)).toEqual({
      "ratelimit-limit": "5",
      "ratelimit-remaining": "0",
      "ratelimit-reset": "1",
    });
    expect(rateLimitHeaders([ok], T0)).toEqual({
      "ratelimit-limit": "10",
      "ratelimit-remaining": "6",
      "ratelimit-reset": "31",
    });
    expect(secondsUntil(T0 - 5, T0)).toBe(1);
  });

  it("block cache expires entries by itself", () => {
    const cache = createBlockCache(2);
    cache.block("a", T0 + 1_000);
    expect(cache.blockedUntil("a", T0)).toBe(T0 + 1_000);
    expect(cache.blockedUntil("a", T0 + 1_000)).toBeUndefined();
    cache.block("b", T0 + 5);
    cache.block("c", T0 + 5);
    cache.block("d", T0 + 5);
    expect(cache.blockedUntil("b", T0)).toBeUndefined(); // evicted, bounded
  });
});
