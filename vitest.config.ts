/**
 * Tests run inside workerd (Cloudflare's Workers vitest plugin) against the real Worker, real R2 in
 * Miniflare and real jose keys. The Redis-backed rate-limit tier has its own config
 * (vitest.redis.config.ts) because it needs a `redis-server` binary on the machine.
 *
 * Two projects share the Worker's set-up: `worker` (everything under test/ but test/model/) and
 * `policy-model` (test/model/: the model-based search for policy bypasses, docs/development.md), which
 * runs the same Worker with the background threshold of directory operations lowered to 2 objects so
 * that small random trees reach the Workflow path too.
 */
import { generateKeyPairSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// The audit trail's signing key for this run only: generated here, never written to disk.
const auditSigningKey = JSON.stringify(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }));

const TREE_LIMITS = fileURLToPath(new URL("./src/sandbox/tree-limits.ts", import.meta.url));
const LOWERED_TREE_LIMITS = fileURLToPath(new URL("./test/model/lowered-tree-limits.ts", import.meta.url));

/** Resolves every import of src/sandbox/tree-limits.ts (request path and Workflow alike) to the lowered one. */
function lowerTreeLimits(): Plugin {
  return {
    name: "policy-model:lower-tree-limits",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!source.endsWith("tree-limits") && !source.endsWith("tree-limits.ts")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === TREE_LIMITS ? LOWERED_TREE_LIMITS : null;
    },
  };
}

/** scripts/policy-model.mjs passes its options as POLICY_MODEL_* variables. */
function policyModelSettings(): PolicyModelSettings {
  const number = (value: string | undefined) => (value === undefined || value === "" ? undefined : Number(value));
  return {
    runs: number(process.env.POLICY_MODEL_RUNS),
    seed: number(process.env.POLICY_MODEL_SEED),
    path: process.env.POLICY_MODEL_PATH || undefined,
    survey: process.env.POLICY_MODEL_SURVEY === "1",
  };
}

export interface PolicyModelSettings {
  runs: number | undefined;
  seed: number | undefined;
  path: string | undefined;
  survey: boolean;
}

declare module "vitest" {
  export interface ProvidedContext {
    policyModel: PolicyModelSettings;
  }
}

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
    // The Worker logs one JSON line per request; show them only for failing tests.
    silent: "passed-only",
    projects: [
      {
        extends: true,
        test: {
          name: "worker",
          include: ["test/**/*.test.ts"],
          exclude: ["test/redis/**", "test/model/**", "node_modules/**"],
        },
      },
      {
        extends: true,
        plugins: [lowerTreeLimits()],
        test: {
          name: "policy-model",
          include: ["test/model/**/*.test.ts"],
          // A run of many random sequences: bounded by the number of runs, not time.
          testTimeout: 0,
          // Set by `npm run test:policy-model -- --runs N [--seed S] [--path P] [--survey]`.
          provide: { policyModel: policyModelSettings() },
        },
      },
    ],
  },
});
