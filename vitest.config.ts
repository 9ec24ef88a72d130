/**
 * Tests run inside workerd (Cloudflare's Workers vitest plugin) against the real Worker, real R2 in
 * Miniflare and real jose keys. The Redis-backed rate-limit tier has its own config
 * (vitest.redis.config.ts) because it needs a `redis-server` binary on the machine.
 */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        r2Buckets: ["FILES"],
        kvNamespaces: ["API_KEYS"],
        bindings: {
          // The suite's own signing key is generated per run (test/support/keys.ts); these are
          // overridden per test where a test needs a different configuration.
          ENVIRONMENT: "production",
        },
      },
    }),
  ],
  // The same aliases as wrangler.toml, so tests run the code that ships.
  resolve: {
    alias: {
      ajv: new URL("./src/shims/ajv.ts", import.meta.url).pathname,
      "ajv-formats": new URL("./src/shims/ajv-formats.ts", import.meta.url).pathname,
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/redis/**", "node_modules/**"],
    // The Worker logs one JSON line per request; show them only for failing tests.
    silent: "passed-only",
  },
});
