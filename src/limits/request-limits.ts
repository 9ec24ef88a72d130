/**
 * Where the limits meet the request path (src/app.ts), in order:
 *   1. before authentication: the client IP's block, from the in-isolate cache (no Upstash call);
 *   2. failed authentication: the attempt is counted against the IP (one round trip), 429 if over;
 *   3. after authentication and body parsing: the principal's block from the cache, then ONE check
 *      covering IP + principal (cost-weighted) + the tenant's daily quotas (one round trip; a refusal
 *      settles its refunds and strike after the answer, through ctx.waitUntil).
 * Request-level refusals are HTTP 429 with Retry-After and RateLimit headers before MCP runs; a daily
 * quota refusal is handed to the tool seam and becomes a `quota_exceeded` tool error.
 *
 * Degraded (Upstash timed out or failed): reads follow LIMITS_DEGRADED_READS, writes and deletes get
 * 503 + Retry-After, a failed authentication still gets its 401. Each such decision is a
 * `degraded_decision` security event.
 */
import type { RequestLog } from "../audit/audit-log";
import type { Principal } from "../auth/principal";
import type { LimitsConfig } from "../config/limits-config";
import { ToolError } from "../errors/tool-error";
import { HttpError, jsonRpcErrorResponse, serviceUnavailable } from "../http/responses";
import type { ToolCost } from "../tools/tool-definition";
import { type BlockCache, createBlockCache } from "./block-cache";
import {
  clampUnits,
  decideRequest,
  type LimitCheck,
  nextUtcMidnight,
  type Operation,
  type QuotaName,
  type QuotaRefusal,
  secondsUntil,
} from "./decisions";
import { type Limiter, LimiterUnavailableError, type LimitRequest, type StorageLedger } from "./limiter";
import { createMemoryLimiter, createMemoryStorageLedger } from "./memory-limiter";
import { blockedHeaders, rateLimitHeaders } from "./rate-limit-headers";
import { ipKey, principalKey, quotaKey, storageKey, tenantHash } from "./redis-keys";
import { createUpstashClient } from "./upstash-client";
import { createUpstashStorageLedger } from "./upstash-ledger";
import { createUpstashLimiter } from "./upstash-limiter";

/** Per isolate: the limiter's client and caches hold no per-request data. */
export interface LimitsRuntime {
  readonly config: LimitsConfig;
  readonly limiter: Limiter;
  readonly ledger: StorageLedger;
  readonly blocks: BlockCache;
  readonly now: () => number;
}

export function createLimitsRuntime(config: LimitsConfig, now: () => number = Date.now): LimitsRuntime {
  if (config.backend.kind === "memory") {
    // Once per isolate, on purpose loud: these limits are per isolate and vanish on restart.
    console.warn(
      "WARNING: UPSTASH_REDIS_REST_URL is not set; ENVIRONMENT=development uses in-memory rate limits and quotas (per isolate, not for production).",
    );
    return {
      config,
      limiter: createMemoryLimiter(config.throttle),
      ledger: createMemoryStorageLedger(),
      blocks: createBlockCache(),
      now,
    };
  }
  // One client for everything, so the window checks and the quota script share one auto-pipeline.
  const redis = createUpstashClient(config.backend);
  const limiter = createUpstashLimiter(redis, { throttle: config.throttle, timeoutMs: config.backend.timeoutMs });
  return { config, limiter, ledger: createUpstashStorageLedger(redis), blocks: createBlockCache(), now };
}

/**
 * Cloudflare's edge always sets CF-Connecting-IP (and overwrites a client's). Without it (local tools,
 * tests) every caller shares one "unknown" bucket: a missing header never means "unlimited".
 */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip")?.trim() || "unknown";
}

type RpcId = string | number | null;
/** ctx.waitUntil: the limiter settles refusals after the answer (see limiter.ts). */
type Defer = (work: Promise<unknown>) => void;

function tooManyRequests(retryAt: number, now: number, headers: Record<string, string>, id: RpcId): HttpError {
  const seconds = secondsUntil(retryAt, now);
  return new HttpError(
    jsonRpcErrorResponse(
      429,
      -32000,
      `Too many requests: rate limit exceeded; retry after ${seconds} second${seconds === 1 ? "" : "s"}`,
      { ...headers, "retry-after": String(seconds) },
      id,
    ),
  );
}

function degradedRefusal(log: RequestLog, reason: string): HttpError {
  log.security({ type: "degraded_decision", reason });
  log.set({ outcome: "unavailable", errorCode: "upstash_unavailable" });
  return new HttpError(serviceUnavailable("Rate limiting is temporarily unavailable; retry later"));
}

/** Step 1 (and the principal half of step 3): refusal from the in-isolate block cache, no Redis call. */
export function refuseIfBlocked(
  runtime: LimitsRuntime,
  key: string,
  scope: "ip" | "principal",
  log: RequestLog,
  id: RpcId = null,
): void {
  const now = runtime.now();
  const until = runtime.blocks.blockedUntil(key, now);
  if (until === undefined) return;
  const limit = scope === "ip" ? runtime.config.ip.limit : runtime.config.principal.limit;
  log.security({ type: "rate_limited", reason: `${scope}_blocked` });
  log.set({ outcome: "rate_limited", errorCode: "rate_limited" });
  const headers = blockedHeaders(limit, until, now);
  throw tooManyRequests(until, now, headers, id);
}

async function runCheck(runtime: LimitsRuntime, request: LimitRequest): Promise<LimitCheck | undefined> {
  try {
    return await runtime.limiter.check(request);
  } catch (error) {
    if (error instanceof LimiterUnavailableError) return undefined;
    throw error;
  }
}

/** Step 2: a failed authentication still costs the IP one unit. Returns normally when the 401 may go out. */
export async function countFailedAuthentication(
  runtime: LimitsRuntime,
  ip: string,
  log: RequestLog,
  defer?: Defer,
): Promise<void> {
  const now = runtime.now();
  const key = await ipKey(ip);
  const check = await runCheck(runtime, {
    windows: [{ key, request: { policy: runtime.config.ip, units: 1 } }],
    quotas: [],
    quotaExpiresAt: nextUtcMidnight(now),
    now,
    defer,
  });
  if (!check) {
    // Our outage must not turn into "your token is fine" or into a 503 that hides the 401.
    log.security({ type: "degraded_decision", reason: "auth_failure_uncounted" });
    return;
  }
  const decision = decideRequest(check, "read", runtime.config.degradedReads, now);
  if (decision.kind !== "rate_limited") return;
  runtime.blocks.block(key, decision.retryAt);
  log.security({ type: "rate_limited", reason: "ip_auth_failures" });
  log.set({ outcome: "rate_limited", errorCode: "rate_limited" });
  throw tooManyRequests(decision.retryAt, now, rateLimitHeaders(check.windows, now), null);
}

export interface AdmittedRequest {
  /** RateLimit headers for the response (empty when the limiter was degraded). */
  readonly headers: Record<string, string>;
  /** A daily quota this call would exceed: the seam answers it as a tool error. */
  readonly refusal: ToolError | undefined;
  /** Storage-quota key for this tenant, for the sandbox's meter. */
  readonly storageKey: string;
}

const QUOTA_LABELS: Record<QuotaName, string> = { writes: "writes", deletes: "deletes", bytesWritten: "bytes written" };

export function quotaError(refusal: QuotaRefusal): ToolError {
  const resetsAt = new Date(refusal.resetsAt).toISOString();
  return new ToolError(
    "quota_exceeded",
    `Daily quota exhausted: ${QUOTA_LABELS[refusal.name]} (${refusal.used} of ${refusal.limit} used today, UTC). ` +
      `This call was not run; the quota resets at ${resetsAt}.`,
    { quota: refusal.name, limit: refusal.limit, used: refusal.used, resetsAt },
  );
}

/** Step 3: everything that needs the principal, in one limiter check (one Upstash round trip). */
export async function admitRequest(
  runtime: LimitsRuntime,
  input: {
    ip: string;
    principal: Principal;
    cost: ToolCost;
    operation: Operation;
    log: RequestLog;
    id: RpcId;
    defer?: Defer;
  },
): Promise<AdmittedRequest> {
  const { config } = runtime;
  const { log } = input;
  const [ipK, principalK, tenantK] = await Promise.all([
    ipKey(input.ip),
    principalKey(input.principal.credentialKind, input.principal.subject),
    tenantHash(input.principal.tenant),
  ]);
  refuseIfBlocked(runtime, principalK, "principal", log, input.id);
  const now = runtime.now();
  const charges = (["writes", "deletes", "bytesWritten"] as const)
    .map((name) => ({ name, amount: input.cost[name] ?? 0 }))
    .filter((charge) => charge.amount > 0);
  const check = await runCheck(runtime, {
    windows: [
      // The IP counts requests (flood and brute-force guard); the principal's fair share counts cost units.
      { key: ipK, request: { policy: config.ip, units: 1 } },
      { key: principalK, request: { policy: config.principal, units: clampUnits(input.cost.units, config.principal) } },
    ],
    quotas: charges.map(({ name, amount }) => ({
      key: quotaKey(tenantK, now, name),
      request: { name, limit: config.daily[name], amount },
    })),
    // Slack past midnight so a clock a little behind still finds yesterday's counter expired on time.
    quotaExpiresAt: nextUtcMidnight(now) + 3_600_000,
    now,
    defer: input.defer,
  });
  const decision = decideRequest(check, input.operation, config.degradedReads, now);
  switch (decision.kind) {
    case "degraded_refuse":
      throw degradedRefusal(log, input.operation === "write" ? "refused_write" : "refused_read");
    case "degraded_allow":
      log.security({ type: "degraded_decision", reason: "allowed_read" });
      return { headers: {}, refusal: undefined, storageKey: storageKey(tenantK) };
    case "rate_limited": {
      const which = decision.which === 0 ? "ip" : "principal";
      check!.windows.forEach((w, i) => {
        if (w.status !== "ok") runtime.blocks.block(i === 0 ? ipK : principalK, w.blockedUntil);
      });
      log.security({ type: "rate_limited", reason: which });
      log.set({ outcome: "rate_limited", errorCode: "rate_limited" });
      throw tooManyRequests(decision.retryAt, now, rateLimitHeaders(check!.windows, now), input.id);
    }
    case "allow":
      return {
        headers: rateLimitHeaders(check!.windows, now),
        refusal: decision.quotaRefusal ? quotaError(decision.quotaRefusal) : undefined,
        storageKey: storageKey(tenantK),
      };
  }
}

export { ipKey };
