/**
 * The per-isolate memo behind the limit-key digests: one computation per input while remembered,
 * bounded with least-recently-used eviction, failures never remembered; and the memoized key builders
 * still give every identity its own, stable key.
 */
import { describe, expect, it } from "vitest";
import { createBoundedMemo } from "../../src/limits/bounded-memo";
import { ipKey, principalKey, tenantHash } from "../../src/limits/redis-keys";

function counted(maxEntries: number) {
  const calls: string[] = [];
  const memo = createBoundedMemo(async (input: string) => {
    calls.push(input);
    return `digest(${input})`;
  }, maxEntries);
  return { memo, calls };
}

describe("bounded memo", () => {
  it("computes once per input while it is remembered, concurrent callers included", async () => {
    const { memo, calls } = counted(10);
    const [a, b] = await Promise.all([memo("x"), memo("x")]);
    expect(await memo("x")).toBe("digest(x)");
    expect(a).toBe(b);
    expect(calls).toEqual(["x"]);
  });

  it("keeps at most maxEntries, dropping the least recently used first", async () => {
    const { memo, calls } = counted(2);
    await memo("a");
    await memo("b");
    await memo("a"); // a is now the most recently used
    await memo("c"); // evicts b
    expect(memo.size()).toBe(2);
    await memo("a");
    await memo("c");
    expect(calls).toEqual(["a", "b", "c"]);
    await memo("b");
    expect(calls).toEqual(["a", "b", "c", "b"]);
  });

  it("forgets a failed computation so the next call tries again", async () => {
    let attempts = 0;
    const memo = createBoundedMemo(async () => {
      attempts++;
      if (attempts === 1) throw new TypeError("transient");
      return "ok";
    }, 4);
    await expect(memo("k")).rejects.toBeInstanceOf(TypeError);
    expect(await memo("k")).toBe("ok");
    expect(attempts).toBe(2);
  });
});

describe("memoized limit keys", () => {
  it("are stable per identity and distinct between identities and kinds", async () => {
    expect(await ipKey("198.51.100.7")).toBe(await ipKey("198.51.100.7"));
    expect(await ipKey("198.51.100.7")).not.toBe(await ipKey("198.51.100.8"));
    expect(await principalKey("jwt", "alice")).not.toBe(await principalKey("jwt", "alic"));
    expect(await principalKey("jwt", "alice")).not.toBe(await principalKey("api_key", "alice"));
    // The same string as an IP and as a tenant must not share a digest (the kind is hashed in).
    expect((await ipKey("t1")).endsWith(await tenantHash("t1"))).toBe(false);
    expect(await tenantHash("t1")).toMatch(/^[0-9a-f]{32}$/);
  });
});
