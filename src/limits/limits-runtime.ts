/**
 * The limits of one isolate: the limiter (Upstash in production, in memory with
 * ENVIRONMENT=development), the storage ledger and the block cache. Created once per isolate: none of
 * them holds per-request data, only clients, caches of refusals and the parsed policy.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { LimitsConfig } from "../config/limits-config";
import { type BlockCache, createBlockCache } from "./block-cache";
import type { Limiter, StorageLedger } from "./limiter";
import { createMemoryLimiter, createMemoryStorageLedger } from "./memory-limiter";
import { createUpstashClient } from "./upstash-client";
import { createUpstashStorageLedger } from "./upstash-ledger";
import { createUpstashLimiter } from "./upstash-limiter";

export interface LimitsRuntime {
  readonly config: LimitsConfig;
  readonly limiter: Limiter;
  readonly ledger: StorageLedger;
  readonly blocks: BlockCache;
  /** The isolate's one Upstash client, shared with other short-lived state (DPoP replay cache). */
  readonly redis: Redis | undefined;
  readonly now: () => number;
}

export function createLimitsRuntime(config: LimitsConfig, now: () => number = Date.now): LimitsRuntime {
  if (config.backend.kind === "memory") {
    // Once per isolate, on purpose loud: these limits are per isolate and vanish on restart.
    console.warn(
      "WARNING: UPSTASH_REDIS_REST_URL is not set; ENVIRONMENT=development uses in-memory rate limits and quotas (per isolate, not for production).",
    );
    const ledger = createMemoryStorageLedger();
    return {
      config,
      limiter: createMemoryLimiter(config.throttle, ledger),
      ledger,
      blocks: createBlockCache(),
      redis: undefined,
      now,
    };
  }
  // One client for everything, so the window checks and the quota script share one auto-pipeline.
  const redis = createUpstashClient(config.backend);
  const limiter = createUpstashLimiter(redis, { throttle: config.throttle, timeoutMs: config.backend.timeoutMs });
  return { config, limiter, ledger: createUpstashStorageLedger(redis), blocks: createBlockCache(), redis, now };
}
