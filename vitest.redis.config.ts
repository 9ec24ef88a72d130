/**
 * Redis-backed test tier: the real @upstash/redis and @upstash/ratelimit clients against a local
 * emulation of the Upstash REST API (test/redis/support/upstash-bridge.ts) in front of a real
 * redis-server spawned by the global setup. Kept apart from vitest.config.ts (Workers pool) because
 * it needs the `redis-server` binary: run `.ci/install-redis.sh` first, then
 *
 *   npx vitest run --config vitest.redis.config.ts
 *
 * Tests here run in plain Node. Workers-pool tests that talk to the same bridge get its URL, token
 * and control URL through `inject()` (see the ProvidedContext declaration in global-setup.ts).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "redis",
    environment: "node",
    include: ["test/redis/**/*.test.ts"],
    globalSetup: ["test/redis/support/global-setup.ts"],
    // Rate-limit tests may wait up to a second to avoid straddling a window boundary.
    testTimeout: 15_000,
    // Starting redis-server is bounded by its own 10 s PING wait.
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
  },
});
