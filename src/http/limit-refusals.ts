/**
 * The HTTP answers of the limits: 429 with Retry-After and RateLimit headers, and 503 + Retry-After when
 * the limiter is unreachable for a request it may not let through (DESIGN invariant 5). Each refusal is
 * logged once, here, with its reason code.
 */
import type { RequestLog } from "../audit/audit-log";
import { secondsUntil } from "../limits/decisions";
import { HttpError, jsonRpcErrorResponse, serviceUnavailable } from "./responses";

export type RpcId = string | number | null;

export function tooManyRequests(
  log: RequestLog,
  reason: string,
  retryAt: number,
  now: number,
  headers: Record<string, string>,
  id: RpcId = null,
): HttpError {
  log.security({ type: "rate_limited", reason });
  log.set({ outcome: "rate_limited", errorCode: "rate_limited" });
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

export function limiterUnavailable(log: RequestLog, reason: string): HttpError {
  log.security({ type: "degraded_decision", reason });
  log.set({ outcome: "unavailable", errorCode: "upstash_unavailable" });
  return new HttpError(serviceUnavailable("Rate limiting is temporarily unavailable; retry later"));
}
