/**
 * The limiter seam: one `check` per request that evaluates every window and quota and ends up
 * charging them all or nothing (semantics in decisions.ts), and reserves a write's storage growth in
 * the same step, so a write needs no second round trip before it stores anything. Two adapters implement it: Upstash
 * (production: @upstash/ratelimit windows plus our quota script, one HTTP request per check before the
 * answer) and in-memory (ENVIRONMENT=development only, atomic by construction).
 */
import type { LimitCheck, QuotaRequest, WindowRequest } from "./decisions";

export interface LimitRequest {
  /** Each window is keyed by a hashed identity (see redis-keys.ts), never a raw IP, subject or token. */
  readonly windows: readonly { readonly key: string; readonly request: WindowRequest }[];
  readonly quotas: readonly { readonly key: string; readonly request: QuotaRequest }[];
  /** Epoch ms after which today's quota counters may be dropped (next UTC midnight plus slack). */
  readonly quotaExpiresAt: number;
  /**
   * Storage growth to reserve in the same atomic step as the quotas: only when every window and quota
   * passed, and only if `reserveBytes` fits under `limit`. Not fitting is no refusal: nothing is
   * reserved and the write reserves its exact growth itself (see storage-meter.ts).
   */
  readonly storage?: { readonly key: string; readonly limit: number; readonly reserveBytes: number };
  readonly now: number;
  /**
   * Runs bookkeeping after the answer (ctx.waitUntil): the Upstash adapter settles a refusal there
   * (refunds, strike, block). Without it, that work is awaited before `check` resolves.
   */
  readonly defer?: (work: Promise<unknown>) => void;
}

export interface Limiter {
  /** Rejects with `LimiterUnavailableError` when no answer came in time; never resolves to "allowed" by default. */
  check(request: LimitRequest): Promise<LimitCheck>;
  /**
   * Adds to a daily quota counter what a call turned out to use after it ran (bytes read: admission can
   * only refuse a reader already over the budget, it cannot know how much the read will return). Never
   * refused; expires at `expiresAt`. Rejects with `LimiterUnavailableError`; run after the answer.
   */
  addToQuota(key: string, amount: number, expiresAt: number): Promise<void>;
}

/** Live bytes per tenant; `adjust` refuses a positive delta that would exceed `limit`. */
export interface StorageLedger {
  adjust(key: string, deltaBytes: number, limit: number): Promise<{ readonly ok: boolean; readonly used: number }>;
  /** For tests and operators: the current figure. */
  used(key: string): Promise<number>;
}

export class LimiterUnavailableError extends Error {
  override readonly name = "LimiterUnavailableError";
  constructor(
    readonly reason: "timeout" | "error",
    options?: { cause?: unknown },
  ) {
    super(`limiter unavailable (${reason})`, options);
  }
}
