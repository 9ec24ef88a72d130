/**
 * Redis-backed test tier: the real clients against a local emulation of the Upstash REST API
 * (test/redis/support/upstash-bridge.ts) in front of a real redis-server spawned by the global setup.
 * Kept apart from vitest.config.ts (Workers pool) because it needs the `redis-server` binary: run
 * `.ci/install-redis.sh` first, then
 *
 *   npm run test:redis        (= vitest run --config vitest.redis.config.ts)
 *
 * Two projects share one redis-server and bridge:
 * - `redis`: plain Node tests of the bridge itself (test/redis/*.test.ts);
 * - `redis-worker`: the real Worker in workerd with UPSTASH_REDIS_REST_URL pointing at the bridge on
 *   127.0.0.1 (test/redis/**\/*.worker.test.ts). Values come from the global setup via `inject()`.
 */
import { generateKeyPairSync } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The audit trail's signing key for this run only (see vitest.config.ts).
const auditSigningKey = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));

export default defineConfig({
  test: {
    globalSetup: ["test/redis/support/global-setup.ts"],
    // Rate-limit tests may wait up to a second to avoid straddling a window boundary.
    testTimeout: 15_000,
    // Starting redis-server is bounded by its own 10 s PING wait.
    hookTimeout: 30_000,
    teardownTimeout: 10_000,
    // The Worker logs one JSON line per request; show them only for failing tests.
    silent: "passed-only",
    projects: [
      {
        extends: true,
        test: {
          name: "redis",
          environment: "node",
          include: ["test/redis/**/*.test.ts"],
          exclude: ["test/redis/**/*.worker.test.ts"],
        },
      },
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              r2Buckets: ["FILES", "AUDIT"],
              bindings: {
                AUDIT_SIGNING_KEY: auditSigningKey,
                ENVIRONMENT: "development", // http to the loopback bridge is accepted in development only
                UPSTASH_REDIS_REST_URL: inject("upstashUrl"),
                UPSTASH_REDIS_REST_TOKEN: inject("upstashToken"),
              },
            },
          })),
        ],
        test: {
          name: "redis-worker",
          include: ["test/redis/**/*.worker.test.ts"],
        },
      },
    ],
  },
});
