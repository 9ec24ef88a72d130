/**
 * RateLimit response headers, IETF draft-ietf-httpapi-ratelimit-headers (the widely deployed
 * three-field form): `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (delta seconds), plus
 * `Retry-After` (RFC 9110 §10.2.3, whole seconds ≥ 1) on refusals. They describe the window with the
 * least room left, which is the one a client must pace itself by.
 */
import { secondsUntil, type WindowOutcome } from "../limits/decisions";

export function rateLimitHeaders(windows: readonly WindowOutcome[], now: number): Record<string, string> {
  const tightest = windows.reduce<WindowOutcome | undefined>((best, w) => {
    if (!best) return w;
    const room = (x: WindowOutcome) => (x.status === "ok" ? x.limit - x.used : -1);
    return room(w) < room(best) ? w : best;
  }, undefined);
  if (!tightest) return {};
  const refused = tightest.status !== "ok";
  const remaining = refused ? 0 : Math.max(0, tightest.limit - tightest.used);
  const reset = refused ? secondsUntil(tightest.blockedUntil, now) : secondsUntil(tightest.resetAt, now);
  return {
    "ratelimit-limit": String(tightest.limit),
    "ratelimit-remaining": String(remaining),
    "ratelimit-reset": String(reset),
  };
}

/** For a refusal known only from the block cache: nothing left until the block ends. */
export function blockedHeaders(limit: number, until: number, now: number): Record<string, string> {
  const seconds = String(secondsUntil(until, now));
  return {
    "ratelimit-limit": String(limit),
    "ratelimit-remaining": "0",
    "ratelimit-reset": seconds,
    "retry-after": seconds,
  };
}
