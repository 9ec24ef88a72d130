#!/usr/bin/env node
import { randomBytes } from "node:crypto";
/**
 * Hot-path cost of the limiter, measured against a local redis-server behind the Upstash REST bridge
 * (the same pair the Redis test tier uses; needs `redis-server`, see .ci/install-redis.sh):
 *   - Upstash HTTP requests per limit check (the bridge's own counter), for a read-like request
 *     (IP + principal windows: two @upstash/ratelimit `limit()` calls plus the GATE script) and a
 *     write-like one (plus three daily quotas), and for the first check after a script flush;
 *   - latency per check: Upstash limiter, in-memory limiter, and a bare loopback HTTP request to the
 *     same bridge (the floor of any remote check), with ratios from the same run.
 * Prints figures and asserts nothing about time. Usage: npm run bench:limits [-- iterations]
 */
import { bundleForNode } from "../bench/lib/bundle-for-node.mjs";

const iterations = Number(process.argv[2] ?? 2000);
const root = new URL("..", import.meta.url).pathname;

// The sources are TypeScript with extensionless imports: bundled once for Node.
const m = await bundleForNode(root, {
  "test/redis/support/redis-server.ts": ["startRedisServer"],
  "test/redis/support/upstash-bridge.ts": ["startUpstashBridge"],
  "src/limits/upstash-client.ts": ["createUpstashClient"],
  "src/limits/upstash-limiter.ts": ["createUpstashLimiter"],
  "src/limits/memory-limiter.ts": ["createMemoryLimiter"],
  "src/limits/redis-keys.ts": ["ipKey", "principalKey", "quotaKey", "tenantHash"],
  "src/limits/decisions.ts": ["nextUtcMidnight"],
});

const redis = await m.startRedisServer();
const token = randomBytes(16).toString("hex");
const bridge = await m.startUpstashBridge({ redisPort: redis.port, token });
try {
  const throttle = { baseMs: 30_000, maxMs: 900_000, strikeMemoryMs: 3_600_000 };
  const policy = { limit: 1_000_000_000, windowMs: 60_000 };
  const upstash = m.createUpstashLimiter(m.createUpstashClient({ url: bridge.url, token, timeoutMs: 1000 }), {
    throttle,
    timeoutMs: 1000,
  });
  const memory = m.createMemoryLimiter(throttle);
  const ip = await m.ipKey("198.51.100.7");
  const sub = await m.principalKey("jwt", "bench-user");
  const tenant = await m.tenantHash("bench-tenant");

  const request = (withQuotas) => {
    const now = Date.now();
    return {
      windows: [
        { key: ip, request: { policy, units: 1 } },
        { key: sub, request: { policy, units: 1 } },
      ],
      quotas: withQuotas
        ? ["writes", "deletes", "bytesWritten"].map((name) => ({
            key: m.quotaKey(tenant, now, name),
            request: { name, limit: 1e15, amount: 1 },
          }))
        : [],
      quotaExpiresAt: m.nextUtcMidnight(now) + 3_600_000,
      now,
    };
  };

  const bare = () =>
    fetch(`${bridge.url}/__control/count`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());

  await upstash.check(request(true)); // first use: EVALSHA → NOSCRIPT → EVAL
  for (let i = 0; i < 200; i++) {
    await upstash.check(request(i % 2 === 0));
    await bare();
  }

  const roundTrips = async (withQuotas) => {
    bridge.resetCount();
    const n = 200;
    for (let i = 0; i < n; i++) await upstash.check(request(withQuotas));
    return bridge.requestCount() / n;
  };
  const time = async (fn) => {
    const samples = [];
    for (let i = 0; i < iterations; i++) {
      const started = process.hrtime.bigint();
      await fn();
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    return { mean, p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)] };
  };

  const rtRead = await roundTrips(false);
  const rtWrite = await roundTrips(true);
  // After Redis lost its scripts: EVALSHA → NOSCRIPT → EVAL for the library's and our scripts.
  await fetch(`${bridge.url}/__control/script-flush`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  bridge.resetCount();
  await upstash.check(request(true));
  const rtFlushed = bridge.requestCount();
  const tBare = await time(bare);
  const tUpRead = await time(() => upstash.check(request(false)));
  const tUpWrite = await time(() => upstash.check(request(true)));
  const tMem = await time(() => memory.check(request(true)));

  const fmt = (t) => `mean ${t.mean.toFixed(3)} ms  p50 ${t.p50.toFixed(3)} ms  p99 ${t.p99.toFixed(3)} ms`;
  console.log(
    `iterations per series: ${iterations} (loopback; a real Upstash adds its network RTT instead of the bare figure)`,
  );
  console.log(
    `Upstash HTTP requests per check: read-like ${rtRead.toFixed(2)}, write-like with 3 daily quotas ${rtWrite.toFixed(2)}, first after a script flush ${rtFlushed}`,
  );
  console.log(`bare loopback HTTP to the bridge (no limiter): ${fmt(tBare)}`);
  console.log(`Upstash limiter, IP + principal:               ${fmt(tUpRead)}`);
  console.log(`Upstash limiter, IP + principal + 3 quotas:    ${fmt(tUpWrite)}`);
  console.log(`in-memory limiter (dev), same check:           ${fmt(tMem)}`);
  console.log(
    `ratio Upstash check / bare round trip (p50):   ${(tUpRead.p50 / tBare.p50).toFixed(2)}x read, ${(tUpWrite.p50 / tBare.p50).toFixed(2)}x write`,
  );
  console.log(
    `added per request vs no limiter (p50):         ${tUpRead.p50.toFixed(3)} ms read, ${tUpWrite.p50.toFixed(3)} ms write`,
  );
} finally {
  await bridge.stop();
  await redis.stop();
}
