import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error";
import { type LimitsEnv, parseLimitsConfig } from "../../src/config/limits-config";

const UPSTASH: LimitsEnv = { UPSTASH_REDIS_REST_URL: "https://eu1-x.upstash.io/", UPSTASH_REDIS_REST_TOKEN: "t" };

function variableOf(env: LimitsEnv, environment: "production" | "development" = "production"): string | undefined {
  try {
    parseLimitsConfig(env, environment);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
}

describe("parseLimitsConfig", () => {
  it("has documented defaults", () => {
    expect(parseLimitsConfig(UPSTASH, "production")).toEqual({
      backend: { kind: "upstash", url: "https://eu1-x.upstash.io", token: "t", timeoutMs: 1000 },
      degradedReads: "refuse",
      ip: { limit: 300, windowMs: 60_000 },
      principal: { limit: 120, windowMs: 60_000 },
      throttle: { baseMs: 30_000, maxMs: 900_000, strikeMemoryMs: 3_600_000 },
      daily: { writes: 5_000, deletes: 1_000, bytesWritten: 1024 ** 3, bytesRead: 1024 ** 3 },
      storageBytes: 5 * 1024 ** 3,
    });
  });

  it("uses memory only in explicit development, and fails closed in production", () => {
    expect(parseLimitsConfig({}, "development").backend).toEqual({ kind: "memory" });
    expect(variableOf({})).toBe("UPSTASH_REDIS_REST_URL");
    expect(variableOf({ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" })).toBe("UPSTASH_REDIS_REST_TOKEN");
    expect(variableOf({ UPSTASH_REDIS_REST_TOKEN: "t" }, "development")).toBe("UPSTASH_REDIS_REST_URL");
    expect(variableOf({ ...UPSTASH, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079" })).toBe("UPSTASH_REDIS_REST_URL");
    expect(
      parseLimitsConfig({ ...UPSTASH, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8079" }, "development").backend.kind,
    ).toBe("upstash");
  });

  it.each([
    ["RATE_LIMIT_IP_REQUESTS", "60s"],
    ["RATE_LIMIT_PRINCIPAL_UNITS", "0"],
    ["RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS", "-1"],
    ["LIMITS_UPSTASH_TIMEOUT_MS", "5"],
    ["LIMITS_DEGRADED_READS", "maybe"],
    ["QUOTA_STORAGE_BYTES", "1e9"],
    ["QUOTA_DAILY_BYTES_READ", "1GiB"],
    ["QUOTA_DAILY_BYTES_READ", "0"],
    ["THROTTLE_MAX_BLOCK_SECONDS", "1"],
  ])("names %s when it is %s", (variable, value) => {
    expect(variableOf({ ...UPSTASH, [variable]: value })).toBe(variable);
  });

  it("parses overrides", () => {
    const config = parseLimitsConfig(
      { ...UPSTASH, RATE_LIMIT_IP_REQUESTS: "7", RATE_LIMIT_IP_WINDOW_SECONDS: "10", LIMITS_DEGRADED_READS: "allow" },
      "production",
    );
    expect(config.ip).toEqual({ limit: 7, windowMs: 10_000 });
    expect(config.degradedReads).toBe("allow");
    expect(parseLimitsConfig({ ...UPSTASH, QUOTA_DAILY_BYTES_READ: "4096" }, "production").daily.bytesRead).toBe(4096);
  });
});
