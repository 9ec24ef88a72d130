/**
 * The remote key set with its fetch and clock passed in: no global `fetch` spy and no faked timers.
 * Pins one fetch at a time (single flight, bounded waits), the failure cooldown, the refetch cooldown,
 * the trusted age of keys, and the split between "no such key" (the caller's fault), "a kid we do not
 * hold while the set cannot be had" (the caller's choice, judged by the keys we hold) and "no keys at
 * all" (our outage).
 */
import { errors } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CACHE_MAX_AGE_MS,
  createKeyResolver,
  FAILURE_COOLDOWN_MS,
  type KeySetFetch,
  KeySetUnavailableError,
  MAX_KEY_SET_BYTES,
  REFETCH_COOLDOWN_MS,
} from "../../src/auth/key-set";
import { createTestKey, jwksOf, type TestKey } from "../support/keys";

let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([createTestKey("k1"), createTestKey("k2")]);
});

type Answer = "keys" | "both" | "down" | "hang" | "never";

/**
 * A scripted identity provider: each fetch takes the next answer. "hang" rejects only when the abort
 * signal fires (a slow host); "never" ignores the signal and never settles (a request that went away).
 */
function scriptedFetch(answers: Answer[]) {
  const seen: RequestInit[] = [];
  let release: (() => void) | undefined;
  const fetchKeys: KeySetFetch = async (_url, init) => {
    seen.push(init);
    const answer = answers.shift() ?? "down";
    if (answer === "keys") return Response.json(jwksOf(key));
    if (answer === "both") return Response.json(jwksOf(key, other));
    if (answer === "down") return new Response("unavailable", { status: 503 });
    if (answer === "never") return new Promise<Response>(() => undefined);
    return new Promise<Response>((resolve, reject) => {
      release = () => resolve(Response.json(jwksOf(key, other)));
      init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    });
  };
  return { fetchKeys, seen, release: () => release?.() };
}

const header = (kid: string) => ({ alg: "ES256", kid });
const token = { payload: "", signature: "" };
// A distinct URL per test: key sets are cached per isolate by fetch and URL.
const source = (name: string) => ({ kind: "remote" as const, url: new URL(`https://idp.example/${name}/jwks`) });

async function outcome(promise: Promise<{ trusted: boolean }>): Promise<string> {
  try {
    return (await promise).trusted ? "trusted" : "untrusted";
  } catch (error) {
    if (error instanceof KeySetUnavailableError) return error.unknownKey ? "unavailable:unknown-kid" : "unavailable";
    if (error instanceof errors.JWKSNoMatchingKey) return "no-such-key";
    throw error;
  }
}

describe("remote key set with injected fetch and clock", () => {
  it("fetches through the injected fetch with GET, no redirects, an abort signal and no credential", async () => {
    const { fetchKeys, seen } = scriptedFetch(["keys"]);
    const resolve = createKeyResolver(source("inject"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => 0 });
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "GET", redirect: "manual" });
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
    expect(new Headers(seen[0]!.headers).has("authorization")).toBe(false);
  });

  it("an outage with no keys held is ours; during the cooldown nothing is fetched; after it, one fetch recovers", async () => {
    let clock = 1_000_000;
    const { fetchKeys, seen } = scriptedFetch(["down", "keys"]);
    const resolve = createKeyResolver(source("cooldown"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => clock });

    expect(await outcome(resolve(header("k1"), token))).toBe("unavailable");
    expect(seen).toHaveLength(1);
    clock += FAILURE_COOLDOWN_MS - 1; // still resting: no keys held, so unavailable at once, no fetch
    expect(await outcome(resolve(header("made-up"), token))).toBe("unavailable");
    expect(seen).toHaveLength(1);
    clock += 2;
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    expect(seen).toHaveLength(2);
  });

  it("a kid the set does not hold is the caller's fault, and costs no refetch within the refetch cooldown", async () => {
    let clock = 0;
    const { fetchKeys, seen } = scriptedFetch(["keys", "keys"]);
    const resolve = createKeyResolver(source("nokid"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => clock });
    expect(await outcome(resolve(header("other"), token))).toBe("no-such-key");
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    clock += REFETCH_COOLDOWN_MS - 1;
    expect(await outcome(resolve(header("other"), token))).toBe("no-such-key");
    expect(seen).toHaveLength(1);
    clock += 2; // a rotation may have happened: one refetch, still no such key
    expect(await outcome(resolve(header("other"), token))).toBe("no-such-key");
    expect(seen).toHaveLength(2);
  });
});

describe("one fetch at a time (single flight)", () => {
  it("30 concurrent unknown kids against a hanging key set: one fetch, every answer judged by the keys held", async () => {
    let clock = 0;
    const { fetchKeys, seen } = scriptedFetch(["keys", "hang", "keys"]);
    const resolve = createKeyResolver(source("burst"), { timeoutMs: 50, fetch: fetchKeys, now: () => clock });
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    clock += REFETCH_COOLDOWN_MS + 1;

    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => outcome(resolve(header(`made-up-${i}`), token))),
    );
    expect(seen).toHaveLength(2); // the first fetch, and ONE refetch for the whole burst
    expect(new Set(answers)).toEqual(new Set(["unavailable:unknown-kid"]));
    // Known keys keep working meanwhile, without a fetch.
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");

    // The failure cooldown: another burst costs nothing.
    await Promise.all(Array.from({ length: 10 }, () => resolve(header("made-up"), token).catch(() => undefined)));
    expect(seen).toHaveLength(2);
    clock += FAILURE_COOLDOWN_MS;
    expect(await outcome(resolve(header("made-up"), token))).toBe("no-such-key");
    expect(seen).toHaveLength(3);
  });

  it("on a cold isolate, concurrent requests share one fetch, and its keys answer them all", async () => {
    const { fetchKeys, seen, release } = scriptedFetch(["hang"]);
    const resolve = createKeyResolver(source("cold-burst"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => 0 });
    const pending = Array.from({ length: 30 }, (_, i) => outcome(resolve(header(i % 2 ? "k1" : "k2"), token)));
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect(new Set(await Promise.all(pending))).toEqual(new Set(["trusted"]));
    expect(seen).toHaveLength(1);
  });

  it("a fetch that never settles is waited for only until its timeout, then given up as failed", async () => {
    let clock = 0;
    const { fetchKeys, seen } = scriptedFetch(["never", "keys"]);
    const resolve = createKeyResolver(source("never"), { timeoutMs: 30, fetch: fetchKeys, now: () => clock });
    const answers = await Promise.all(Array.from({ length: 5 }, () => outcome(resolve(header("k1"), token))));
    expect(answers).toEqual(Array(5).fill("unavailable")); // bounded: nobody hangs with it
    expect(seen).toHaveLength(1);
    clock += 1_000; // long past its timeout: lost, so the failure cooldown starts now
    expect(await outcome(resolve(header("k1"), token))).toBe("unavailable");
    expect(seen).toHaveLength(1);
    clock += FAILURE_COOLDOWN_MS;
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    expect(seen).toHaveLength(2);
  });
});

describe("keys held past their trusted age", () => {
  it("judge but never accept: a known kid is untrusted, an unknown kid is the caller's", async () => {
    let clock = 0;
    const { fetchKeys, seen } = scriptedFetch(["keys", "down"]);
    const resolve = createKeyResolver(source("stale"), { timeoutMs: 1_000, fetch: fetchKeys, now: () => clock });
    expect(await outcome(resolve(header("k1"), token))).toBe("trusted");
    clock += CACHE_MAX_AGE_MS;
    expect(await outcome(resolve(header("k1"), token))).toBe("untrusted");
    expect(await outcome(resolve(header("made-up"), token))).toBe("unavailable:unknown-kid");
    expect(seen).toHaveLength(2);
  });
});

describe("what is not a key set", () => {
  it("a body over the size cap is an outage, read no further", async () => {
    const huge = JSON.stringify({ keys: [{ kty: "oct", k: "x".repeat(MAX_KEY_SET_BYTES) }] });
    const resolve = createKeyResolver(source("huge"), {
      timeoutMs: 1_000,
      fetch: async () => new Response(huge),
      now: () => 0,
    });
    expect(await outcome(resolve(header("k1"), token))).toBe("unavailable");
  });
});
