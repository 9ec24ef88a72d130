/**
 * In-isolate limiter and storage ledger for local development (ENVIRONMENT=development without
 * Upstash), with the same interface and the same decisions as the Upstash adapter: it runs
 * `evaluateLimits` from decisions.ts over Maps. Per isolate, so not a production control: several
 * isolates each keep their own counts, and a restart forgets them (hence the startup warning).
 */

import type { ThrottlePolicy } from "../config/limits-config";
import { evaluateLimits, type LimitCheck, type WindowState, windowIndex } from "./decisions";
import type { Limiter, LimitRequest, StorageLedger } from "./limiter";

interface StoredWindow {
  index: number;
  prev: number;
  cur: number;
  strikes: number;
  strikesExpireAt: number;
  blockedUntil: number;
}

// A dev server should not grow without bound under a load test: oldest entries go first.
const MAX_ENTRIES = 50_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as K);
}

/** `ledger`: where a request's storage reservation is made (the same ledger the storage meter uses). */
export function createMemoryLimiter(throttle: ThrottlePolicy, ledger?: StorageLedger): Limiter {
  const windows = new Map<string, StoredWindow>();
  const quotas = new Map<string, { used: number; expiresAt: number }>();

  const read = (key: string, windowMs: number, now: number): WindowState => {
    const stored = windows.get(key);
    if (!stored) return { prev: 0, cur: 0, strikes: 0, blockedUntil: 0 };
    const index = windowIndex(now, windowMs);
    const strikes = stored.strikesExpireAt > now ? stored.strikes : 0;
    const blockedUntil = stored.blockedUntil > now ? stored.blockedUntil : 0;
    if (stored.index === index) return { prev: stored.prev, cur: stored.cur, strikes, blockedUntil };
    if (stored.index === index - 1) return { prev: stored.cur, cur: 0, strikes, blockedUntil };
    return { prev: 0, cur: 0, strikes, blockedUntil };
  };

  return {
    async check(request: LimitRequest): Promise<LimitCheck> {
      const { now } = request;
      const states = request.windows.map((w) => read(w.key, w.request.policy.windowMs, now));
      const used = request.quotas.map((q) => {
        const stored = quotas.get(q.key);
        return stored && stored.expiresAt > now ? stored.used : 0;
      });
      const result = evaluateLimits(
        request.windows.map((w) => w.request),
        states,
        request.quotas.map((q) => q.request),
        used,
        throttle,
        now,
      );
      result.windows.forEach((state, i) => {
        if (!state) return;
        const { key, request: window } = request.windows[i]!;
        const previous = windows.get(key);
        const struck = state.strikes > (states[i]?.strikes ?? 0);
        remember(windows, key, {
          index: windowIndex(now, window.policy.windowMs),
          prev: state.prev,
          cur: state.cur,
          strikes: state.strikes,
          strikesExpireAt: struck ? now + throttle.strikeMemoryMs : (previous?.strikesExpireAt ?? 0),
          blockedUntil: state.blockedUntil,
        });
      });
      result.quotas.forEach((value, i) => {
        if (value !== undefined)
          remember(quotas, request.quotas[i]!.key, { used: value, expiresAt: request.quotaExpiresAt });
      });
      const passed =
        result.check.windows.every((w) => w.status === "ok") && !result.check.quotas.some((q) => q.refused);
      const storage = request.storage;
      if (!passed || !ledger || !storage || storage.reserveBytes <= 0) return result.check;
      // Same step as the quotas (nothing can interleave: no await ran since they were charged).
      const reservation = await ledger.adjust(storage.key, Math.trunc(storage.reserveBytes), storage.limit);
      return { ...result.check, storageReserved: reservation.ok ? Math.trunc(storage.reserveBytes) : 0 };
    },
    async addToQuota(key: string, amount: number, expiresAt: number): Promise<void> {
      const whole = Math.trunc(amount);
      if (!(whole > 0)) return;
      // The key names its UTC day, so a stored counter under it is today's.
      remember(quotas, key, { used: (quotas.get(key)?.used ?? 0) + whole, expiresAt });
    },
  };
}

export function createMemoryStorageLedger(): StorageLedger {
  const usage = new Map<string, number>();
  return {
    async adjust(key, delta, limit) {
      const current = usage.get(key) ?? 0;
      if (delta > 0 && current + delta > limit) return { ok: false, used: current };
      const next = Math.max(0, current + delta);
      usage.set(key, next);
      return { ok: true, used: next };
    },
    async used(key) {
      return usage.get(key) ?? 0;
    },
  };
}
