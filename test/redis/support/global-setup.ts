/**
 * Vitest globalSetup for the Redis test tier: one redis-server and one Upstash REST bridge per
 * run, shared by every test file, torn down at the end.
 *
 * Why provide URLs instead of objects: test files may run inside workerd (Workers pool), which
 * cannot reach this Node process' memory. They get plain values via `inject()` and drive fault
 * injection through the bridge's HTTP control API (`bridgeControlUrl`, same bearer token).
 */
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startRedisServer } from "./redis-server";
import { startUpstashBridge } from "./upstash-bridge";

declare module "vitest" {
  export interface ProvidedContext {
    /** Upstash REST URL of the bridge: `new Redis({ url: inject("upstashUrl"), token })`. */
    upstashUrl: string;
    /** Random per-run bearer token; the bridge rejects anything else with 401. */
    upstashToken: string;
    /** Control API: POST pause|hang|resume|reset-count|flushall|script-flush, GET count|requests. */
    bridgeControlUrl: string;
    /** The redis-server port, for Node-side tests that start a private bridge. */
    redisPort: number;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer();
  const token = randomBytes(24).toString("hex");
  const bridge = await startUpstashBridge({ redisPort: redis.port, token }).catch(async (error) => {
    await redis.stop();
    throw error;
  });

  provide("upstashUrl", bridge.url);
  provide("upstashToken", token);
  provide("bridgeControlUrl", bridge.controlUrl);
  provide("redisPort", redis.port);

  return async () => {
    await bridge.stop();
    await redis.stop();
  };
}
