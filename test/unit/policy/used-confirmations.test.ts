/**
 * Single-use confirmations (src/policy/confirmation.ts): the in-memory store used with
 * ENVIRONMENT=development, and the Upstash adapter's failure mode: a store that cannot answer is an
 * outage (`DependencyUnavailableError("upstash")`, which the seam answers with 503), never "first use".
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { describe, expect, it } from "vitest";
import { DependencyUnavailableError } from "../../../src/errors/tool-error";
import { createUpstashUsedConfirmations } from "../../../src/limits/upstash-confirmations";
import { createMemoryUsedConfirmations, newConfirmationNonce } from "../../../src/policy/confirmation";

describe("used confirmations", () => {
  it("in memory: the first use only, until the state's lifetime is over", async () => {
    let now = 1_000_000;
    const used = createMemoryUsedConfirmations(() => now);
    const nonce = newConfirmationNonce();
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(await used.firstUse(nonce, 600)).toBe(true);
    expect(await used.firstUse(nonce, 600)).toBe(false);
    expect(await used.firstUse(newConfirmationNonce(), 600)).toBe(true);
    now += 601_000;
    expect(await used.firstUse(nonce, 600)).toBe(true);
  });

  it("on Upstash: SET NX EX with the lifetime; a refused SET is a second use", async () => {
    const calls: unknown[][] = [];
    const answers = ["OK", null];
    const set = async (...args: unknown[]) => {
      calls.push(args);
      return answers.shift();
    };
    const redis = { set } as unknown as Redis;
    const used = createUpstashUsedConfirmations(redis);
    expect(await used.firstUse("abc", 600)).toBe(true);
    expect(await used.firstUse("abc", 600)).toBe(false);
    expect(calls[0]).toEqual(["r2mcp:v1:confirmed:abc", 1, { nx: true, ex: 600 }]);
  });

  it("Upstash down: an outage, never a first use", async () => {
    const redis = {
      set: async () => {
        throw new Error("fetch failed");
      },
    } as unknown as Redis;
    const refused = createUpstashUsedConfirmations(redis).firstUse("abc", 600);
    await expect(refused).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(refused).rejects.toMatchObject({ dependency: "upstash" });
  });
});
