/**
 * Abuse-control settings (rate limits, throttle escalation, daily and storage quotas, Upstash and its
 * failure mode), validated with zod once per isolate as part of `parseConfig`.
 *
 * Invariants:
 * - No "enabled" switch (invariant 4, docs/architecture.md). Production needs Upstash; without it the server answers
 *   503 naming `UPSTASH_REDIS_REST_URL`. The in-memory limiter exists only with `ENVIRONMENT=development`.
 * - Every number has a unit in its name and a bounded range, so a typo ("60s", "-1", "1e9") is a
 *   ConfigError naming the variable, never a silently different limit.
 * - Values are never echoed in errors (the token is a secret).
 */
import * as z from "zod";
import { ConfigError, type Environment } from "./config-error";
import { parseSecureUrl, wholeNumber } from "./env-values";

export interface LimitsEnv {
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  LIMITS_UPSTASH_TIMEOUT_MS?: string;
  LIMITS_DEGRADED_READS?: string;
  RATE_LIMIT_IP_REQUESTS?: string;
  RATE_LIMIT_IP_WINDOW_SECONDS?: string;
  RATE_LIMIT_PRINCIPAL_UNITS?: string;
  RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS?: string;
  THROTTLE_BASE_BLOCK_SECONDS?: string;
  THROTTLE_MAX_BLOCK_SECONDS?: string;
  THROTTLE_STRIKE_MEMORY_SECONDS?: string;
  QUOTA_DAILY_WRITES?: string;
  QUOTA_DAILY_DELETES?: string;
  QUOTA_DAILY_BYTES_WRITTEN?: string;
  QUOTA_DAILY_BYTES_READ?: string;
  QUOTA_STORAGE_BYTES?: string;
}

/** A sliding window: at most `limit` units in any `windowMs` (approximated from two fixed windows). */
export interface WindowPolicy {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * Repeat offenders: the first denial blocks until the window frees up; each further denial while the
 * strike memory lasts doubles the block (`baseMs`, 2×, 4×, … capped at `maxMs`).
 */
export interface ThrottlePolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly strikeMemoryMs: number;
}

/** Per UTC day: writes, deletes and bytes written per tenant; bytes read per principal. */
export interface DailyQuotas {
  readonly writes: number;
  readonly deletes: number;
  readonly bytesWritten: number;
  /** Bytes of content returned to one principal (the exfiltration budget). */
  readonly bytesRead: number;
}

export type LimitsBackend =
  | { readonly kind: "upstash"; readonly url: string; readonly token: string; readonly timeoutMs: number }
  | { readonly kind: "memory" };

export interface LimitsConfig {
  readonly backend: LimitsBackend;
  /** What a read-only request gets while Upstash is unreachable; writes and deletes are always refused. */
  readonly degradedReads: "allow" | "refuse";
  readonly ip: WindowPolicy;
  readonly principal: WindowPolicy;
  readonly throttle: ThrottlePolicy;
  readonly daily: DailyQuotas;
  /** Total live bytes per tenant (trash excluded). */
  readonly storageBytes: number;
}

const GIB = 1024 * 1024 * 1024;

const schema = z.object({
  LIMITS_UPSTASH_TIMEOUT_MS: wholeNumber(50, 10_000, 1_000),
  LIMITS_DEGRADED_READS: z
    .string()
    .trim()
    .optional()
    .transform((raw) => (raw === undefined || raw === "" ? "refuse" : raw))
    .pipe(z.enum(["allow", "refuse"], 'must be "allow" or "refuse"')),
  RATE_LIMIT_IP_REQUESTS: wholeNumber(1, 1_000_000, 300),
  RATE_LIMIT_IP_WINDOW_SECONDS: wholeNumber(1, 86_400, 60),
  RATE_LIMIT_PRINCIPAL_UNITS: wholeNumber(1, 1_000_000, 120),
  RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: wholeNumber(1, 86_400, 60),
  THROTTLE_BASE_BLOCK_SECONDS: wholeNumber(1, 86_400, 30),
  THROTTLE_MAX_BLOCK_SECONDS: wholeNumber(1, 7 * 86_400, 900),
  THROTTLE_STRIKE_MEMORY_SECONDS: wholeNumber(1, 7 * 86_400, 3_600),
  QUOTA_DAILY_WRITES: wholeNumber(1, 1e9, 5_000),
  QUOTA_DAILY_DELETES: wholeNumber(1, 1e9, 1_000),
  QUOTA_DAILY_BYTES_WRITTEN: wholeNumber(1, 2 ** 50, GIB),
  QUOTA_DAILY_BYTES_READ: wholeNumber(1, 2 ** 50, GIB),
  QUOTA_STORAGE_BYTES: wholeNumber(1, 2 ** 50, 5 * GIB),
});

function parseBackend(env: LimitsEnv, environment: Environment, timeoutMs: number): LimitsBackend {
  const url = env.UPSTASH_REDIS_REST_URL?.trim();
  const token = env.UPSTASH_REDIS_REST_TOKEN?.trim();
  if (!url) {
    if (token) throw new ConfigError("UPSTASH_REDIS_REST_URL", "is required when UPSTASH_REDIS_REST_TOKEN is set");
    if (environment === "development") return { kind: "memory" };
    throw new ConfigError(
      "UPSTASH_REDIS_REST_URL",
      "is required in production (rate limits and quotas live in Upstash Redis); set it and UPSTASH_REDIS_REST_TOKEN, or set ENVIRONMENT=development for in-memory limits",
    );
  }
  if (!token) throw new ConfigError("UPSTASH_REDIS_REST_TOKEN", "is required when UPSTASH_REDIS_REST_URL is set");
  // The token travels in every request: plain http is acceptable only to a local emulator.
  const href = parseSecureUrl("UPSTASH_REDIS_REST_URL", url, environment).href.replace(/\/$/, "");
  return { kind: "upstash", url: href, token, timeoutMs };
}

export function parseLimitsConfig(env: LimitsEnv, environment: Environment): LimitsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // The first offending variable, with zod's message; the value itself is never echoed.
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const v = parsed.data;
  if (v.THROTTLE_MAX_BLOCK_SECONDS < v.THROTTLE_BASE_BLOCK_SECONDS) {
    throw new ConfigError("THROTTLE_MAX_BLOCK_SECONDS", "must be at least THROTTLE_BASE_BLOCK_SECONDS");
  }
  return {
    backend: parseBackend(env, environment, v.LIMITS_UPSTASH_TIMEOUT_MS),
    degradedReads: v.LIMITS_DEGRADED_READS,
    ip: { limit: v.RATE_LIMIT_IP_REQUESTS, windowMs: v.RATE_LIMIT_IP_WINDOW_SECONDS * 1000 },
    principal: { limit: v.RATE_LIMIT_PRINCIPAL_UNITS, windowMs: v.RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS * 1000 },
    throttle: {
      baseMs: v.THROTTLE_BASE_BLOCK_SECONDS * 1000,
      maxMs: v.THROTTLE_MAX_BLOCK_SECONDS * 1000,
      strikeMemoryMs: v.THROTTLE_STRIKE_MEMORY_SECONDS * 1000,
    },
    daily: {
      writes: v.QUOTA_DAILY_WRITES,
      deletes: v.QUOTA_DAILY_DELETES,
      bytesWritten: v.QUOTA_DAILY_BYTES_WRITTEN,
      bytesRead: v.QUOTA_DAILY_BYTES_READ,
    },
    storageBytes: v.QUOTA_STORAGE_BYTES,
  };
}
