/**
 * Contract tests for the local Upstash REST bridge, driven by the REAL @upstash/redis and
 * @upstash/ratelimit clients with their default options (base64 responses, auto-pipelining).
 *
 * Why: every Redis-tier test trusts that these clients cannot tell the bridge from Upstash. These
 * pin the protocol details (encoding, pipelines, EVALSHA translation, auth), the request counting
 * used to prove "one Upstash round trip per request", and the fault-injection controls.
 * Runs in plain Node (vitest.redis.config.ts); the shared bridge comes from global-setup.ts.
 */
import { createHash, randomUUID } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startUpstashBridge, type UpstashBridge } from "./support/upstash-bridge";

const url = inject("upstashUrl");
const token = inject("upstashToken");
const controlUrl = inject("bridgeControlUrl");

const unique = (label: string) => `test:${label}:${randomUUID()}`;
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const auth = { authorization: `Bearer ${token}` };

/** Drives the shared bridge the way workerd tests must: over its HTTP control API. */
async function control(action: string, method = "POST"): Promise<{ mode: string; count: number }> {
  const res = await fetch(`${controlUrl}/${action}`, { method, headers: auth });
  if (!res.ok) throw new Error(`control ${action} failed: ${res.status}`);
  return (await res.json()) as { mode: string; count: number };
}

/** A raw Upstash request, for checks on the wire format the clients hide. */
async function upstash(path: string, body: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

type Algorithm = ConstructorParameters<typeof Ratelimit>[0]["limiter"];

/** The configuration under test: no local cache, analytics or deny lists, so Redis decides. */
function limiter(algorithm: Algorithm, redis = new Redis({ url, token })) {
  return new Ratelimit({
    redis,
    limiter: algorithm,
    prefix: unique("rl"),
    ephemeralCache: false,
    analytics: false,
    enableProtection: false,
  });
}

/** Limits are bucketed by wall-clock window; start a sequence well inside one to avoid flakes. */
async function awayFromWindowEdge(windowMs: number, marginMs = 1_000) {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

afterEach(async () => {
  await control("resume"); // a failed fault-injection test must not take the others down with it
});

describe("commands through @upstash/redis", () => {
  const redis = new Redis({ url, token });

  it("round-trips unicode and binary-ish strings byte for byte", async () => {
    const key = unique("str");
    const values = [
      "héllo wörld — 世界 🦄",
      'nul\u0000 ctl\u0001\u001f del\u007f latin1\u00ff crlf\r\n quote" backslash\\',
      "OK", // the client special-cases a bare "OK" result; stored data must still round-trip
      "T0s=", // looks like base64 of "OK"
    ];
    for (const value of values) {
      expect(await redis.set(key, value, { ex: 60 })).toBe("OK");
      expect(await redis.get(key)).toBe(value);
    }
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await redis.mget(key, unique("missing"))).toEqual(["T0s=", null]);
  });

  it("supports incr and surfaces Redis errors", async () => {
    const key = unique("counter");
    expect(await redis.incr(key)).toBe(1);
    expect(await redis.incrby(key, 41)).toBe(42);
    const text = unique("text");
    await redis.set(text, "not a number");
    await expect(redis.incr(text)).rejects.toThrow("ERR value is not an integer");
  });

  it("returns HGETALL as a flat RESP array on the wire (the client builds the object)", async () => {
    const key = unique("hash");
    expect(await redis.hset(key, { name: "ünïcode ✓", other: "b" })).toBe(2);
    expect(await redis.hgetall(key)).toEqual({ name: "ünïcode ✓", other: "b" });

    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const { status, json } = await upstash("/", ["hgetall", key], { ...auth, "Upstash-Encoding": "base64" });
    expect(status).toBe(200);
    expect(json).toEqual({ result: [b64("name"), b64("ünïcode ✓"), b64("other"), b64("b")] });
  });

  it("encodes results as base64 only when asked, and stringifies JSON primitives", async () => {
    const key = unique("wire");
    expect(await upstash("/", ["set", key, 1.5])).toEqual({ status: 200, json: { result: "OK" } });
    expect(await upstash("/", ["get", key])).toEqual({ status: 200, json: { result: "1.5" } });
    expect(await upstash("/", ["set", key, true], { ...auth, "Upstash-Encoding": "base64" })).toEqual({
      status: 200,
      json: { result: Buffer.from("OK").toString("base64") },
    });
    expect(await upstash("/", ["get", key])).toEqual({ status: 200, json: { result: "true" } });
    expect(await upstash("/", ["incr", key])).toEqual({
      status: 400,
      json: { error: "ERR value is not an integer or out of range" },
    });
    expect(await upstash("/", ["multi"])).toMatchObject({ status: 400 });
  });

  it("runs explicit pipelines with errors inline", async () => {
    const [key, counter, hash] = [unique("p"), unique("p"), unique("p")];
    const results = await redis
      .pipeline()
      .set(key, "v ✓")
      .incr(counter)
      .get(key)
      .hset(hash, { field: "x" })
      .hgetall(hash)
      .exec();
    expect(results).toEqual(["OK", 1, "v ✓", 1, { field: "x" }]);

    const withError = await redis.pipeline().set(key, "x").incr(key).get(key).exec({ keepErrors: true });
    expect(withError).toEqual([
      { result: "OK", error: undefined },
      { result: undefined, error: "ERR value is not an integer or out of range" },
      { result: "x", error: undefined },
    ]);
  });

  it("runs multi-exec transactions; a queueing error aborts the whole transaction", async () => {
    const [key, counter] = [unique("m"), unique("m")];
    expect(await redis.multi().set(key, "a").incr(counter).incr(counter).get(key).exec()).toEqual(["OK", 1, 2, "a"]);

    const aborted = await upstash("/multi-exec", [
      ["set", key, "b"],
      ["set", key],
    ]);
    expect(aborted.status).toBe(400);
    expect(aborted.json).toEqual({
      error: expect.stringContaining("EXECABORT") as unknown,
    });
    expect(JSON.stringify(aborted.json)).toContain("wrong number of arguments");
    expect(await redis.get(key)).toBe("a");
  });

  it("rejects a wrong or missing token on every route", async () => {
    const intruder = new Redis({ url, token: "wrong-token" });
    await expect(intruder.get(unique("k"))).rejects.toThrow("Unauthorized");
    for (const path of ["/", "/pipeline", "/multi-exec"]) {
      expect(await upstash(path, [["ping"]], {})).toEqual({ status: 401, json: { error: "Unauthorized" } });
    }
    const res = await fetch(`${controlUrl}/count`, { headers: { authorization: "Bearer nope" } });
    expect(res.status).toBe(401);
  });

  it("flushall over the control API empties the database", async () => {
    const key = unique("flush");
    await redis.set(key, "x");
    await control("flushall");
    expect(await redis.get(key)).toBeNull();
  });
});

describe("@upstash/ratelimit against the bridge", () => {
  it("slidingWindow allows exactly N, then denies with remaining 0 and the window's reset", async () => {
    await awayFromWindowEdge(10_000);
    const rl = limiter(Ratelimit.slidingWindow(5, "10 s"));
    const id = unique("user");
    const windowEnd = (Math.floor(Date.now() / 10_000) + 1) * 10_000;
    for (let i = 1; i <= 5; i++) {
      expect(await rl.limit(id)).toMatchObject({ success: true, limit: 5, remaining: 5 - i, reset: windowEnd });
    }
    expect(await rl.limit(id)).toMatchObject({ success: false, limit: 5, remaining: 0, reset: windowEnd });
    expect(await rl.getRemaining(id)).toMatchObject({ remaining: 0, limit: 5, reset: windowEnd });
  });

  it("fixedWindow allows exactly N, then denies", async () => {
    await awayFromWindowEdge(10_000);
    const rl = limiter(Ratelimit.fixedWindow(5, "10 s"));
    const id = unique("user");
    const windowEnd = (Math.floor(Date.now() / 10_000) + 1) * 10_000;
    for (let i = 1; i <= 5; i++) {
      expect(await rl.limit(id)).toMatchObject({ success: true, remaining: 5 - i, reset: windowEnd });
    }
    expect(await rl.limit(id)).toMatchObject({ success: false, remaining: 0, reset: windowEnd });
  });

  it("tokenBucket allows the bucket size, then denies until the next refill", async () => {
    const rl = limiter(Ratelimit.tokenBucket(1, "10 s", 5));
    const id = unique("user");
    const before = Date.now();
    for (let i = 1; i <= 5; i++) {
      expect(await rl.limit(id)).toMatchObject({ success: true, limit: 5, remaining: 5 - i });
    }
    const denied = await rl.limit(id);
    expect(denied).toMatchObject({ success: false, remaining: 0 });
    // reset = first refill time + interval, i.e. ~10 s after the first call
    expect(denied.reset).toBeGreaterThanOrEqual(before + 10_000);
    expect(denied.reset).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  it("weighted cost via { rate } consumes several tokens at once", async () => {
    await awayFromWindowEdge(10_000);
    const rl = limiter(Ratelimit.slidingWindow(5, "10 s"));
    const id = unique("user");
    expect(await rl.limit(id, { rate: 3 })).toMatchObject({ success: true, remaining: 2 });
    expect(await rl.limit(id, { rate: 2 })).toMatchObject({ success: true, remaining: 0 });
    expect(await rl.limit(id, { rate: 1 })).toMatchObject({ success: false, remaining: 0 });

    const other = unique("user");
    expect(await rl.limit(other, { rate: 3 })).toMatchObject({ success: true, remaining: 2 });
    // More than what is left: denied (sliding window still counts it, see the script's INCRBY).
    expect(await rl.limit(other, { rate: 3 })).toMatchObject({ success: false, remaining: 0 });
  });

  it("falls back from EVALSHA to EVAL after a script flush, then uses EVALSHA again", async () => {
    await control("script-flush");
    const rl = limiter(Ratelimit.fixedWindow(10, "60 s"));
    const id = unique("user");
    await control("reset-count");
    expect((await rl.limit(id)).success).toBe(true);
    expect((await control("count", "GET")).count).toBe(2); // EVALSHA → NOSCRIPT, then EVAL
    await control("reset-count");
    expect((await rl.limit(id)).remaining).toBe(8);
    expect((await control("count", "GET")).count).toBe(1); // translated EVALSHA hits
  });
});

describe("a private bridge (fresh script map, in-process controls)", () => {
  let bridge: UpstashBridge;
  let redis: Redis;

  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisPort: inject("redisPort"), token });
    redis = new Redis({ url: bridge.url, token });
  });
  afterAll(async () => {
    await bridge.stop();
  });
  afterEach(() => {
    bridge.resume();
  });

  it("first ratelimit call on a fresh bridge takes the NOSCRIPT → EVAL path", async () => {
    const rl = limiter(Ratelimit.slidingWindow(5, "10 s"), redis);
    const id = unique("user");
    bridge.resetCount();
    expect((await rl.limit(id)).success).toBe(true);
    expect(bridge.requestCount()).toBe(2);
    expect((await rl.limit(id)).success).toBe(true);
    expect(bridge.requestCount()).toBe(3);
  });

  it("translates SCRIPT LOAD / EVALSHA for flagged scripts and reports unknown digests as NOSCRIPT", async () => {
    const script = "#!lua flags=allow-key-locking,no-writes\nreturn {ARGV[1], 42}";
    expect(await redis.eval(script, [], ["x"])).toEqual(["x", 42]);
    const sha = await redis.scriptLoad(script);
    expect(sha).toBe(sha1(script));
    expect(await redis.scriptExists(sha)).toEqual([1]);
    expect(await redis.evalsha(sha, [], ["y"])).toEqual(["y", 42]);
    await expect(redis.evalsha("0".repeat(40), [], [])).rejects.toThrow("NOSCRIPT");
  });

  it("pause() makes calls fail fast; resume() restores service", async () => {
    const key = unique("pause");
    bridge.pause();
    const started = Date.now();
    await expect(redis.set(key, "x")).rejects.toThrow("Service Unavailable");
    expect(Date.now() - started).toBeLessThan(1_000);
    bridge.resume();
    expect(await redis.set(key, "x")).toBe("OK");
  });

  it("hang() stalls requests: the limiter's own timeout answers; resume() releases them", async () => {
    const rl = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(5, "10 s"),
      prefix: unique("rl"),
      ephemeralCache: false,
      analytics: false,
      enableProtection: false,
      timeout: 300,
    });
    bridge.hang();
    const started = Date.now();
    expect(await rl.limit(unique("user"))).toMatchObject({ success: true, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);

    const held = bridge.requestCount();
    const stalled = redis.get(unique("k"));
    await vi.waitFor(() => expect(bridge.requestCount()).toBe(held + 1)); // it reached the bridge
    bridge.resume();
    await expect(stalled).rejects.toThrow("Service Unavailable");
    expect(await redis.ping()).toBe("PONG");
  });
});

describe("request counting and auto-pipelining", () => {
  it("counts one HTTP request per auto-pipelined batch (reads and writes batch separately)", async () => {
    const redis = new Redis({ url, token });
    const keys = Array.from({ length: 10 }, () => unique("batch"));

    await control("reset-count");
    await Promise.all(keys.map((key, i) => redis.set(key, `v${i}`)));
    expect((await control("count", "GET")).count).toBe(1); // 10 writes → 1 /pipeline request

    await control("reset-count");
    expect(await Promise.all(keys.map((key) => redis.get(key)))).toEqual(keys.map((_, i) => `v${i}`));
    expect((await control("count", "GET")).count).toBe(1); // 10 reads → 1 /pipeline request

    await control("reset-count");
    await Promise.all([
      ...keys.slice(0, 5).map((key) => redis.get(key)),
      ...keys.slice(5).map(() => redis.incr(unique("n"))),
    ]);
    expect((await control("count", "GET")).count).toBe(2); // mixed → one read + one write pipeline

    await control("reset-count");
    await Promise.all(Array.from({ length: 3 }, () => redis.hgetall(unique("h"))));
    expect((await control("count", "GET")).count).toBe(3); // HGETALL is excluded from auto-pipelining

    await control("reset-count");
    for (const key of keys.slice(0, 3)) await redis.get(key);
    expect((await control("count", "GET")).count).toBe(3); // sequential awaits → one request each
  });

  it("a warmed-up limiter call costs exactly one HTTP request", async () => {
    const rl = limiter(Ratelimit.slidingWindow(5, "10 s"));
    const id = unique("user");
    await rl.limit(id); // may take the NOSCRIPT → EVAL path
    await control("reset-count");
    await rl.limit(id);
    expect((await control("count", "GET")).count).toBe(1);
  });
});
