/**
 * Upstash adapter of the limiter seam: the IP and principal sliding windows are @upstash/ratelimit
 * (upstash-windows.ts); escalation state and daily quotas are our GATE script (upstash-scripts.ts).
 *
 * One HTTP request per check (the hot path), a write's storage reservation included (GATE makes it
 * with the quotas, all or nothing): after awaiting the script digests, `check` issues the
 * GATE EVALSHA and every window's `Ratelimit.limit()` in the same synchronous stretch, on the one
 * auto-pipelining client, and only then awaits; the client sends them together as one `/pipeline`
 * request. (After a Redis script flush, EVALSHA answers NOSCRIPT and the EVAL fallbacks cost one more.)
 *
 * Order of semantics (decisions.ts has the same, for the in-memory limiter):
 *   1. an identity blocked in Redis (escalation, possibly by another isolate) is refused;
 *   2. each window is the library's answer: `success` iff used + units ≤ limit;
 *   3. only when every window passed do the quotas count: GATE charged them all or none.
 * The windows and GATE run side by side, so a refusal can find charges already made; they are handed
 * back by ONE follow-up pipeline (library refunds with a negative rate, SETTLE for quota refunds and
 * the strike/block of each denying window), sent after the response via `defer` (ctx.waitUntil).
 * A refusal thus costs one request before the answer and one after; a blocked caller costs none
 * (block cache). Known gap: a cost-weighted call (units > 1) refused by the library may or may not
 * have been charged, and the library's answer does not say which, so it is not refunded (errs strict).
 *
 * Failure mode: any rejected command, and any window answer with `reason: "timeout"` (the library's
 * silent "allowed"), is `LimiterUnavailableError`; the caller maps it by LIMITS_DEGRADED_READS.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { ThrottlePolicy } from "../config/limits-config";
import { blockUntil, earliestRoomAt, type LimitCheck, type QuotaOutcome, type WindowOutcome } from "./decisions";
import { type Limiter, LimiterUnavailableError, type LimitRequest } from "./limiter";
import { createScript, toLimiterUnavailable } from "./upstash-client";
import { GATE_SCRIPT, QUOTA_ADD_SCRIPT, SETTLE_SCRIPT } from "./upstash-scripts";
import { createWindowLimiters, isTimeout, type RatelimitResponse } from "./upstash-windows";

export interface UpstashLimiterOptions {
  readonly throttle: ThrottlePolicy;
  readonly timeoutMs: number;
}

/** What a refused (or degraded) check leaves behind to be settled after the answer. */
interface Leftovers {
  readonly refundWindows: readonly number[];
  readonly refundQuotas: boolean;
  /** Storage bytes GATE reserved for a request that is refused after all. */
  readonly refundStorage: number;
  readonly denied: readonly { readonly index: number; readonly blockedUntil: number }[];
}

function unavailable(results: readonly PromiseSettledResult<unknown>[]): LimiterUnavailableError | undefined {
  for (const result of results) {
    if (result.status === "fulfilled") {
      if (isTimeout(result.value as RatelimitResponse)) return new LimiterUnavailableError("timeout");
      continue;
    }
    return toLimiterUnavailable(result.reason);
  }
  return undefined;
}

export function createUpstashLimiter(redis: Redis, options: UpstashLimiterOptions): Limiter {
  const { throttle } = options;
  const gate = createScript(redis, GATE_SCRIPT);
  const settle = createScript(redis, SETTLE_SCRIPT);
  const quotaAdd = createScript(redis, QUOTA_ADD_SCRIPT);
  const windows = createWindowLimiters(redis, options.timeoutMs);
  const ready = Promise.all([gate.ready, settle.ready, quotaAdd.ready]);

  /** One pipeline again: every refund and SETTLE issued in one synchronous stretch. Best effort. */
  function followUp(request: LimitRequest, leftovers: Leftovers): Promise<unknown> {
    const work: Promise<unknown>[] = leftovers.refundWindows.map((i) => {
      const { key, request: w } = request.windows[i]!;
      return windows.refund(w.policy, key, w.units);
    });
    const keys: string[] = [];
    const args: number[] = [request.now, throttle.strikeMemoryMs, leftovers.denied.length];
    for (const { index, blockedUntil } of leftovers.denied) {
      const { key } = request.windows[index]!;
      keys.push(`${key}:strikes`, `${key}:block`);
      args.push(blockedUntil);
    }
    if (leftovers.refundQuotas) {
      for (const { key, request: q } of request.quotas) {
        if (q.amount > 0) {
          keys.push(key);
          args.push(q.amount);
        }
      }
    }
    if (leftovers.refundStorage > 0 && request.storage) {
      keys.push(request.storage.key);
      args.push(leftovers.refundStorage);
    }
    if (keys.length > 0) work.push(settle.run(keys, args));
    // A lost refund errs strict (budget returns when the window slides / the day ends); a lost strike
    // only weakens escalation. Neither may fail a request that has already been answered.
    return Promise.allSettled(work);
  }

  async function finish(request: LimitRequest, leftovers: Leftovers): Promise<void> {
    if (
      leftovers.refundWindows.length === 0 &&
      leftovers.denied.length === 0 &&
      !leftovers.refundQuotas &&
      leftovers.refundStorage === 0
    )
      return;
    const work = followUp(request, leftovers);
    if (request.defer) request.defer(work);
    else await work;
  }

  return {
    async addToQuota(key: string, amount: number, expiresAt: number): Promise<void> {
      const whole = Math.trunc(amount);
      if (!(whole > 0)) return;
      await ready;
      try {
        await quotaAdd.run([key], [whole, expiresAt]);
      } catch (error) {
        throw toLimiterUnavailable(error);
      }
    },
    async check(request: LimitRequest): Promise<LimitCheck> {
      await ready; // before the first command, never between two of them
      const { now } = request;
      const nw = request.windows.length;
      const gateKeys: string[] = [];
      const gateArgs: number[] = [now, nw, request.quotas.length, request.quotaExpiresAt];
      for (const { key } of request.windows) gateKeys.push(`${key}:strikes`, `${key}:block`);
      for (const { key, request: q } of request.quotas) {
        gateKeys.push(key);
        gateArgs.push(q.limit, q.amount);
      }
      const reserve =
        request.storage && request.storage.reserveBytes > 0 ? Math.trunc(request.storage.reserveBytes) : 0;
      gateArgs.push(request.storage?.limit ?? 0, reserve);
      if (reserve > 0) gateKeys.push(request.storage!.key);

      // ---- one tick: no await between these calls, so they leave as one /pipeline request.
      const gateCall = gate.run(gateKeys, gateArgs);
      const windowCalls = request.windows.map(({ key, request: w }) => windows.limit(w.policy, key, w.units));
      // ----
      const [gateResult, ...windowResults] = await Promise.allSettled([gateCall, ...windowCalls]);

      const responses = windowResults.map((r) =>
        r.status === "fulfilled" && !isTimeout(r.value) ? r.value : undefined,
      );
      const charged = responses.flatMap((r, i) => (r?.success ? [i] : []));
      const flat = gateResult.status === "fulfilled" ? gateResult.value.map(Number) : undefined;
      const quotasCharged = flat?.[nw * 2] === 1;
      const storageReserved = flat?.[nw * 2 + 2 + request.quotas.length] ?? 0;

      const failure = unavailable([gateResult, ...windowResults]);
      if (failure) {
        // Hand back what is known to be charged, but only after the answer: Upstash is struggling.
        if (request.defer)
          void finish(request, {
            refundWindows: charged,
            refundQuotas: quotasCharged,
            refundStorage: storageReserved,
            denied: [],
          });
        throw failure;
      }

      const outcomes = request.windows.map(({ request: w }, i): WindowOutcome => {
        const response = responses[i]!;
        const strikes = flat![i * 2]!;
        const heldUntil = flat![i * 2 + 1]!;
        const { limit, windowMs } = w.policy;
        if (heldUntil > now)
          return { status: "blocked", limit, used: limit, resetAt: response.reset, blockedUntil: heldUntil, strikes };
        if (response.success) {
          return {
            status: "ok",
            limit,
            used: limit - response.remaining,
            resetAt: response.reset,
            blockedUntil: 0,
            strikes,
          };
        }
        // The library does not say how full the window is: assume the fullest it can be after this
        // call, so a client honouring Retry-After finds room on its first retry.
        const roomAt = earliestRoomAt(0, limit + w.units - 1, w.units, limit, now, windowMs);
        const until = blockUntil(strikes + 1, roomAt, now, throttle);
        return {
          status: "denied",
          limit,
          used: limit,
          resetAt: response.reset,
          blockedUntil: until,
          strikes: strikes + 1,
        };
      });

      const refused = outcomes.some((w) => w.status !== "ok");
      const refusedQuota = flat![nw * 2 + 1]!;
      const quotas = request.quotas.map(({ request: q }, i): QuotaOutcome => {
        const used = flat![nw * 2 + 2 + i]!;
        return refused
          ? { name: q.name, limit: q.limit, used: quotasCharged ? used - q.amount : used, refused: false }
          : { name: q.name, limit: q.limit, used, refused: refusedQuota === i + 1 };
      });

      if (refused) {
        await finish(request, {
          refundWindows: charged,
          refundQuotas: quotasCharged,
          refundStorage: storageReserved,
          denied: outcomes.flatMap((w, index) =>
            w.status === "denied" ? [{ index, blockedUntil: w.blockedUntil }] : [],
          ),
        });
      }
      return { windows: outcomes, quotas, storageReserved: refused ? 0 : storageReserved };
    },
  };
}
