/**
 * The one Upstash client of an isolate (our Lua script runner lives in src/upstash/script.ts).
 *
 * Invariants (the hot path's "one HTTP request per request" rests on them):
 * - Auto-pipelining is ON: every command issued in the same tick goes out as one `/pipeline`
 *   request (@upstash/redis AutoPipelineExecutor.withAutoPipeline defers `exec` by two microtasks).
 *   All our commands are EVALSHA/EVAL, which the client classes as writes, so they share the write
 *   pipeline; a read command (GET) would go out on a separate read pipeline.
 * - `run()` calls EVALSHA synchronously: the script's SHA1 is computed once (`ready`) and awaited by
 *   callers BEFORE they start issuing commands, never between two commands of one request.
 * - No retries: `retry: false` would still allow one retry (the client loops `i <= attempts` with
 *   attempts = 1), so `retries: 0` is used; a retry after a timeout only adds latency.
 * - A fresh `AbortSignal.timeout` per HTTP request (a function, not a static signal that would be spent
 *   after its first use), so a hung Upstash costs at most `timeoutMs`.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { LimiterUnavailableError } from "./limiter";

export interface UpstashOptions {
  readonly url: string;
  readonly token: string;
  readonly timeoutMs: number;
}

/** One client per isolate: it holds no per-request data, only the URL, token and options. */
export function createUpstashClient(options: UpstashOptions): Redis {
  return new Redis({
    url: options.url,
    token: options.token,
    enableAutoPipelining: true,
    retry: { retries: 0, backoff: () => 0 },
    signal: () => AbortSignal.timeout(options.timeoutMs),
    enableTelemetry: false,
  });
}

/**
 * A failed Upstash call as the limiter seam's error. Told apart by error type, never by message text:
 * with a signal *function* the client rethrows fetch's own rejection when the signal fired, which is a
 * DOMException named "TimeoutError" (AbortSignal.timeout, WHATWG DOM §3.3) or "AbortError".
 */
export function toLimiterUnavailable(error: unknown): LimiterUnavailableError {
  const aborted = error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
  return new LimiterUnavailableError(aborted ? "timeout" : "error", { cause: error });
}

// Shared with the audit detectors, which must not depend on limits (docs/architecture.md, folder rule).
export { createScript, type Script } from "../upstash/script";
