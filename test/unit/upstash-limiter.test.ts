/**
 * The Upstash adapter's failure mode against a scripted fake client (no network): @upstash/ratelimit
 * RESOLVES `{ success: true, reason: "timeout" }` when its timeout fires; the adapter must turn that,
 * and any rejected command, into LimiterUnavailableError, never into "allowed". Also checks that the
 * GATE script and the library's window checks are issued on the keys documented in redis-keys.ts. That
 * they leave as ONE HTTP request is proven with the real client and the bridge's request counter in
 * test/redis/limits.worker.test.ts.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { LimiterUnavailableError, type LimitRequest } from "../../src/limits/limiter";
import { createUpstashStorageLedger } from "../../src/limits/upstash-ledger";
import { createUpstashLimiter } from "../../src/limits/upstash-limiter";

const THROTTLE = { baseMs: 30_000, maxMs: 900_000, strikeMemoryMs: 3_600_000 };
const policy = { limit: 10, windowMs: 60_000 };

const request = (): LimitRequest => ({
  windows: [
    { key: "r2mcp:v1:rl:ip:aa", request: { policy, units: 1 } },
    { key: "r2mcp:v1:rl:sub:bb", request: { policy, units: 1 } },
  ],
  quotas: [],
  quotaExpiresAt: Date.now() + 86_400_000,
  now: Date.now(),
});

/** GATE is recognised by its keys (`…:strikes`); every other EVALSHA is the library's window script. */
function fakeRedis(window: () => Promise<unknown>) {
  const calls: string[] = [];
  const redis = {
    evalsha(_sha: string, keys: string[]) {
      const isGate = keys[0]?.endsWith(":strikes") ?? false;
      calls.push(isGate ? "gate" : `window ${keys[0]}`);
      return isGate ? Promise.resolve([0, 0, 0, 0, 1, 0]) : window();
    },
    eval() {
      return Promise.reject(new Error("unexpected EVAL"));
    },
  };
  return { redis: redis as unknown as Redis, calls };
}

describe("Upstash limiter failure mode", () => {
  it("treats the library's timeout answer (success: true, reason: timeout) as unavailable", async () => {
    const { redis } = fakeRedis(() => new Promise(() => {})); // Upstash never answers
    const limiter = createUpstashLimiter(redis, { throttle: THROTTLE, timeoutMs: 50 });
    const started = Date.now();
    const error = await limiter.check(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimiterUnavailableError);
    expect((error as LimiterUnavailableError).reason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("treats a failed command as unavailable", async () => {
    const { redis } = fakeRedis(() => Promise.reject(new Error("Service Unavailable")));
    const limiter = createUpstashLimiter(redis, { throttle: THROTTLE, timeoutMs: 1_000 });
    const error = await limiter.check(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimiterUnavailableError);
    expect((error as LimiterUnavailableError).reason).toBe("error");
  });

  it("tells a timed-out command from a failed one by error type, never by message text", async () => {
    const timedOut = fakeRedis(() => Promise.reject(new DOMException("The operation was aborted", "TimeoutError")));
    const error = await createUpstashLimiter(timedOut.redis, { throttle: THROTTLE, timeoutMs: 1_000 })
      .check(request())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimiterUnavailableError);
    expect((error as LimiterUnavailableError).reason).toBe("timeout");

    // A server error whose text happens to mention a timeout is still an error, not our timeout.
    const saysTimeout = fakeRedis(() => Promise.reject(new Error("ERR upstream timed out (aborted)")));
    const other = await createUpstashLimiter(saysTimeout.redis, { throttle: THROTTLE, timeoutMs: 1_000 })
      .check(request())
      .catch((e: unknown) => e);
    expect((other as LimiterUnavailableError).reason).toBe("error");
  });

  it("maps the storage ledger's failures the same way", async () => {
    const failing = (error: unknown) =>
      createUpstashStorageLedger({
        evalsha: () => Promise.reject(error),
        eval: () => Promise.reject(error),
        get: () => Promise.reject(error),
      } as unknown as Redis);
    const aborted = await failing(new DOMException("aborted", "AbortError"))
      .adjust("k", 10, 100)
      .catch((e: unknown) => e);
    expect((aborted as LimiterUnavailableError).reason).toBe("timeout");
    const failed = await failing(new Error("timeout"))
      .used("k")
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LimiterUnavailableError);
    expect((failed as LimiterUnavailableError).reason).toBe("error");
  });

  it("issues GATE, then the library's check per window, on the library's key layout", async () => {
    const { redis, calls } = fakeRedis(() => Promise.resolve([9, 10])); // library script: [remaining, effective limit]
    const limiter = createUpstashLimiter(redis, { throttle: THROTTLE, timeoutMs: 1_000 });
    const check = await limiter.check(request());
    expect(calls).toEqual([
      "gate",
      `window r2mcp:v1:rl:ip:aa:${Math.floor(Date.now() / 60_000)}`,
      `window r2mcp:v1:rl:sub:bb:${Math.floor(Date.now() / 60_000)}`,
    ]);
    expect(check.windows.map((w) => w.status)).toEqual(["ok", "ok"]);
    expect(check.windows[0]!.used).toBe(1);
  });
});
