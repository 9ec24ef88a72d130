/**
 * Tests run inside workerd (Cloudflare's Workers vitest plugin) against the real Worker, real R2 in
 * Miniflare and real jose keys. The Redis-backed rate-limit tier has its own config
 * (vitest.redis.config.ts) because it needs a `redis-server` binary on the machine.
 */
import { generateKeyPairSync } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The audit trail's signing key for this run only: generated here, never written to disk.
const auditSigningKey = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        r2Buckets: ["FILES", "AUDIT"],
        kvNamespaces: ["API_KEYS"],
        bindings: {
          AUDIT_SIGNING_KEY: auditSigningKey,
          // The suite's own signing key is generated per run (test/support/keys.ts); these are
          // overridden per test where a test needs a different configuration.
          // The Workflow (background directory operations) runs with this env, not a test's makeEnv():
          // development without Upstash = the in-memory limiter, as in makeEnv().
          ENVIRONMENT: "development",
        },
      },
    }),
  ],
  test: {
    // Generous: 1,500-object directory operations and dev servers share two cores with the rest of CI.
    // Tests assert behaviour, never time, so this only bounds a hang.
    testTimeout: 30_000,
    // The dev authorization server (oidc-provider, Node) for test/integration/dev-authorization-server.
    globalSetup: ["test/support/dev-auth-global-setup.ts"],
    include: ["test/**/*.test.ts"],
    exclude: ["test/redis/**", "node_modules/**"],
    // The Worker logs one JSON line per request; show them only for failing tests.
    silent: "passed-only",
  },
});
