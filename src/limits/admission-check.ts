/**
 * The limit decisions of one request, as values (the HTTP layer, src/http/admission.ts and
 * src/http/authenticate.ts, turns them into answers):
 *   - a failed authentication costs the client IP one unit (one round trip);
 *   - an authenticated request is ONE check covering IP + principal (cost-weighted) + the tenant's
 *     daily quotas (one round trip; a refusal settles its refunds and strike after the answer, through
 *     `defer`).
 * Refused identities are written to the isolate's block cache so the next request is refused without
 * a round trip. An unreachable limiter is a decision too (`degraded_*`), never an exception.
 */
import {
  clampUnits,
  decideRequest,
  type LimitCheck,
  nextUtcMidnight,
  type Operation,
  type QuotaRefusal,
  type WindowOutcome,
} from "./decisions";
import { LimiterUnavailableError, type LimitRequest } from "./limiter";
import type { LimitsRuntime } from "./limits-runtime";
import { ipKey, principalHash, principalKey, principalQuotaKey, quotaKey, storageKey, tenantHash } from "./redis-keys";

/** ctx.waitUntil: the limiter settles refusals after the answer (see limiter.ts). */
export type Defer = (work: Promise<unknown>) => void;

async function runCheck(runtime: LimitsRuntime, request: LimitRequest): Promise<LimitCheck | undefined> {
  try {
    return await runtime.limiter.check(request);
  } catch (error) {
    if (error instanceof LimiterUnavailableError) return undefined;
    throw error;
  }
}

export type FailedAuthenticationOutcome =
  | { readonly kind: "counted" }
  /** The limiter did not answer: the 401 still goes out, uncounted. */
  | { readonly kind: "uncounted" }
  | {
      readonly kind: "rate_limited";
      readonly retryAt: number;
      readonly windows: readonly WindowOutcome[];
      readonly now: number;
    };

export async function countFailedAuthentication(
  runtime: LimitsRuntime,
  ip: string,
  defer?: Defer,
): Promise<FailedAuthenticationOutcome> {
  const now = runtime.now();
  const key = await ipKey(ip);
  const check = await runCheck(runtime, {
    windows: [{ key, request: { policy: runtime.config.ip, units: 1 } }],
    quotas: [],
    quotaExpiresAt: nextUtcMidnight(now),
    now,
    defer,
  });
  if (!check) return { kind: "uncounted" };
  const decision = decideRequest(check, "read", runtime.config.degradedReads, now);
  if (decision.kind !== "rate_limited") return { kind: "counted" };
  runtime.blocks.block(key, decision.retryAt);
  return { kind: "rate_limited", retryAt: decision.retryAt, windows: check.windows, now };
}

export interface AdmissionInput {
  readonly ip: string;
  /** Whose fair share this request spends (see src/http/admission.ts for how a principal maps to it). */
  readonly identity: { readonly kind: string; readonly id: string };
  readonly tenant: string;
  readonly cost: {
    readonly units: number;
    readonly writes?: number;
    readonly deletes?: number;
    readonly bytesWritten?: number;
  };
  readonly operation: Operation;
  /**
   * The call may return file content (a `files:read` tool or resource request): it is refused once the
   * principal's bytes read today reached QUOTA_DAILY_BYTES_READ. It is charged 1 byte here (the check
   * is "used + 1 > limit"); what it returns is added after the answer (`settleBytesRead`).
   */
  readonly readsContent?: boolean;
  readonly defer?: Defer;
}

/** Where a call's bytes read are added after the answer (today's counter of its principal). */
export interface ReadMeter {
  readonly key: string;
  readonly expiresAt: number;
  /** Bytes already charged at admission (1 when the call was admitted as a content read). */
  readonly charged: number;
}

export type AdmissionOutcome =
  | { readonly kind: "blocked"; readonly until: number; readonly limit: number; readonly now: number }
  | { readonly kind: "degraded_refuse" }
  | { readonly kind: "degraded_allow"; readonly storageKey: string; readonly storageReserved: 0 }
  | {
      readonly kind: "rate_limited";
      readonly which: "ip" | "principal";
      readonly retryAt: number;
      readonly windows: readonly WindowOutcome[];
      /** The clock reading the decision was made at (headers count from it). */
      readonly now: number;
    }
  | {
      readonly kind: "allow";
      readonly now: number;
      readonly windows: readonly WindowOutcome[];
      readonly quotaRefusal: QuotaRefusal | undefined;
      readonly storageKey: string;
      /** Storage growth already reserved by the check (bytes); the meter spends it, then hands back the rest. */
      readonly storageReserved: number;
      /** Present when the call was charged as a content read and may run. */
      readonly readMeter: ReadMeter | undefined;
    };

export async function checkAdmission(runtime: LimitsRuntime, input: AdmissionInput): Promise<AdmissionOutcome> {
  const { config } = runtime;
  const [ipK, principalK, tenantK, principalH] = await Promise.all([
    ipKey(input.ip),
    principalKey(input.identity.kind, input.identity.id),
    tenantHash(input.tenant),
    principalHash(input.identity.kind, input.identity.id),
  ]);
  const now = runtime.now();
  const blockedUntil = runtime.blocks.blockedUntil(principalK, now);
  if (blockedUntil !== undefined) return { kind: "blocked", until: blockedUntil, limit: config.principal.limit, now };
  const charges = (["writes", "deletes", "bytesWritten"] as const)
    .map((name) => ({ name, amount: input.cost[name] ?? 0 }))
    .filter((charge) => charge.amount > 0);
  // Slack past midnight so a clock a little behind still finds yesterday's counter expired on time.
  const quotaExpiresAt = nextUtcMidnight(now) + 3_600_000;
  const readKey = principalQuotaKey(principalH, now, "bytesRead");
  const readCharge = input.readsContent
    ? [{ key: readKey, request: { name: "bytesRead" as const, limit: config.daily.bytesRead, amount: 1 } }]
    : [];
  const check = await runCheck(runtime, {
    windows: [
      // The IP counts requests (flood and brute-force guard); the principal's fair share counts cost units.
      { key: ipK, request: { policy: config.ip, units: 1 } },
      { key: principalK, request: { policy: config.principal, units: clampUnits(input.cost.units, config.principal) } },
    ],
    quotas: [
      ...charges.map(({ name, amount }) => ({
        key: quotaKey(tenantK, now, name),
        request: { name, limit: config.daily[name], amount },
      })),
      ...readCharge,
    ],
    quotaExpiresAt,
    // A write's growth is at most the bytes it writes (new size − old size ≤ new size): reserve that
    // upper bound now, in the same round trip; the meter settles the difference after the call.
    ...(input.operation === "write" && (input.cost.bytesWritten ?? 0) > 0
      ? { storage: { key: storageKey(tenantK), limit: config.storageBytes, reserveBytes: input.cost.bytesWritten! } }
      : {}),
    now,
    defer: input.defer,
  });
  const decision = decideRequest(check, input.operation, config.degradedReads, now);
  switch (decision.kind) {
    case "degraded_refuse":
      return { kind: "degraded_refuse" };
    case "degraded_allow":
      return { kind: "degraded_allow", storageKey: storageKey(tenantK), storageReserved: 0 };
    case "rate_limited": {
      // decideRequest only answers rate_limited from a real check.
      const windows = check!.windows;
      windows.forEach((w, i) => {
        if (w.status !== "ok") runtime.blocks.block(i === 0 ? ipK : principalK, w.blockedUntil);
      });
      const which = decision.which === 0 ? "ip" : "principal";
      return { kind: "rate_limited", which, retryAt: decision.retryAt, windows, now };
    }
    case "allow":
      return {
        kind: "allow",
        now,
        windows: check!.windows,
        quotaRefusal: decision.quotaRefusal,
        storageKey: storageKey(tenantK),
        storageReserved: check!.storageReserved ?? 0,
        readMeter:
          input.readsContent && !decision.quotaRefusal
            ? { key: readKey, expiresAt: quotaExpiresAt, charged: 1 }
            : undefined,
      };
  }
}

/**
 * After the answer: adds the bytes a call returned (beyond the 1 charged at admission) to its principal's
 * counter. One limiter call, only when more than was charged was returned. An outage loses the figure
 * (logged by the caller as a degraded decision): the budget errs generous for that one call, never blocks.
 */
export async function settleBytesRead(runtime: LimitsRuntime, meter: ReadMeter, bytesReturned: number): Promise<void> {
  const extra = Math.trunc(bytesReturned) - meter.charged;
  if (!(extra > 0)) return;
  await runtime.limiter.addToQuota(meter.key, extra, meter.expiresAt);
}
