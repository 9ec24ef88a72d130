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
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const iterations = Number(process.argv[2] ?? 2000);
const root = new URL("..", import.meta.url).pathname;

// The sources are TypeScript with extensionless imports: bundle them once for Node.
// Inside the project (not under node_modules, which may be shared) so the bundle resolves its
// external packages from the project's node_modules; removed at the end.
const dir = await mkdtemp(join(root, ".bench-limits-"));
const entry = join(dir, "entry.ts");
const out = join(dir, "bundle.mjs");
const { writeFile } = await import("node:fs/promises");
await writeFile(
  entry,
  `export { startRedisServer } from ${JSON.stringify(join(root, "test/redis/support/redis-server.ts"))};
   export { startUpstashBridge } from ${JSON.stringify(join(root, "test/redis/support/upstash-bridge.ts"))};
   export { createUpstashClient } from ${JSON.stringify(join(root, "src/limits/upstash-client.ts"))};
   export { createUpstashLimiter } from ${JSON.stringify(join(root, "src/limits/upstash-limiter.ts"))};
   export { createMemoryLimiter } from ${JSON.stringify(join(root, "src/limits/memory-limiter.ts"))};
   export { ipKey, principalKey, quotaKey, tenantHash } from ${JSON.stringify(join(root, "src/limits/redis-keys.ts"))};
   export { nextUtcMidnight } from ${JSON.stringify(join(root, "src/limits/decisions.ts"))};`,
);
await build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  format: "esm",
  platform: "node",
  packages: "external",
  logLevel: "error",
  absWorkingDir: root,
});
const m = await import(pathToFileURL(out).href);

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
  await rm(dir, { recursive: true, force: true });
}
