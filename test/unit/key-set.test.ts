/**
 * The remote key set with its fetch and clock passed in (jose's `customFetch`; our `now`): no global
 * `fetch` spy and no faked timers. Pins the failure cooldown (cached keys only, no fetch) and the
 * split between "no such key" (the caller's fault) and "could not get the set" (our outage).
 */
import { errors, type FetchImplementation } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createKeyResolver, FAILURE_COOLDOWN_MS, KeySetUnavailableError } from "../../src/auth/key-set";
import { createTestKey, jwksOf, type TestKey } from "../support/keys";

let key: TestKey;
beforeAll(async () => {
  key = await createTestKey("k1");
});

/** A scripted identity provider: each fetch takes the next answer ("down" = HTTP 503). */
function scriptedFetch(answers: ("keys" | "down")[]) {
  const seen: string[] = [];
  const fetchKeys: FetchImplementation = async (url) => {
    seen.push(url);
    const answer = answers.shift() ?? "down";
    return answer === "keys" ? Response.json(jwksOf(key)) : new Response("unavailable", { status: 503 });
  };
  return { fetchKeys, seen };
}

const header = (kid: string) => ({ alg: "ES256", kid });
const token = { payload: "", signature: "" };
// A distinct URL per test: resolvers are cached per isolate by fetch and URL.
const source = (name: string) => ({ kind: "remote" as const, url: new URL(`https://idp.example/${name}/jwks`) });

describe("remote key set with injected fetch and clock", () => {
  it("fetches through the injected fetch, never the global one", async () => {
    const { fetchKeys, seen } = scriptedFetch(["keys"]);
    const resolve = createKeyResolver(source("inject"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => 0 });
    await expect(Promise.resolve(resolve(header("k1"), token))).resolves.toBeDefined();
    expect(seen).toEqual(["https://idp.example/inject/jwks"]);
  });

  it("an outage is 'unavailable'; during the cooldown nothing is fetched; after it, one fetch recovers", async () => {
    let clock = 1_000_000;
    const { fetchKeys, seen } = scriptedFetch(["down", "keys"]);
    const resolve = createKeyResolver(source("cooldown"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => clock });

    await expect(Promise.resolve(resolve(header("k1"), token))).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(seen).toHaveLength(1);

    clock += FAILURE_COOLDOWN_MS - 1; // still resting: no cached keys, so unavailable at once, no fetch
    await expect(Promise.resolve(resolve(header("k1"), token))).rejects.toBeInstanceOf(KeySetUnavailableError);
    expect(seen).toHaveLength(1);

    clock += 2;
    await expect(Promise.resolve(resolve(header("k1"), token))).resolves.toBeDefined();
    expect(seen).toHaveLength(2);
  });

  it("a kid the set does not hold is the caller's fault, not an outage", async () => {
    const { fetchKeys, seen } = scriptedFetch(["keys", "keys"]);
    const resolve = createKeyResolver(source("nokid"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => 0 });
    const error = await Promise.resolve(resolve(header("other"), token)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.JWKSNoMatchingKey);
    await expect(Promise.resolve(resolve(header("k1"), token))).resolves.toBeDefined();
    expect(seen).toHaveLength(1); // jose's 30 s refetch cooldown: the unknown kid cost no second fetch
  });
});
