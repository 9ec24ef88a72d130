/**
 * Abuse controls through the real Worker with the in-memory limiter (ENVIRONMENT=development, no
 * Upstash): 429 with Retry-After and RateLimit headers, pre-auth IP throttling of bad tokens, the
 * block cache, daily and storage quotas as tool errors, and production without Upstash failing closed.
 * The same behaviour against real Redis is in test/redis/limits.worker.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../support/worker";

let key: TestKey;
beforeAll(async () => {
  key = await createTestKey("k1");
});

const ping = (id = 1) => ({ jsonrpc: "2.0", id, method: "ping" });

describe("request rate limits (in-memory limiter)", () => {
  it("allows exactly the limit, then answers 429 with Retry-After, RateLimit headers and a JSON-RPC error", async () => {
    const env = makeEnv(key, { RATE_LIMIT_PRINCIPAL_UNITS: "3", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600" });
    const auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "rl-user" } })}` };
    for (let i = 1; i <= 3; i++) {
      const res = await postMcp(env, ping(i), auth);
      expect(res.status).toBe(200);
      expect(res.headers.get("ratelimit-limit")).toBe("3");
      expect(res.headers.get("ratelimit-remaining")).toBe(String(3 - i));
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(1);
    }
    const logs = captureLogs();
    const refused = await postMcp(env, ping(4), auth);
    logs.restore();
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3600).toBe(true);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-reset")).toBe(String(retryAfter));
    expect(await refused.json()).toMatchObject({
      jsonrpc: "2.0",
      id: 4,
      error: { code: -32000, message: expect.stringContaining("rate limit") },
    });
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ kind: "security", type: "rate_limited", reason: "principal" }),
    );

    // Another principal from the same (unknown) IP has its own budget.
    const other = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "rl-other" } })}` };
    expect((await postMcp(env, ping(), other)).status).toBe(200);
  });

  it("weights calls by the tool's cost", async () => {
    const env = makeEnv(key, { RATE_LIMIT_PRINCIPAL_UNITS: "3" });
    const auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "cost-user" } })}` };
    const big = "x".repeat(1024 * 1024 + 1); // write_file: 1 + floor(bytes / MiB) = 2 units
    expect(
      (await postMcp(env, toolCall("write_file", { path: "big.txt", content: big }), auth)).headers.get(
        "ratelimit-remaining",
      ),
    ).toBe("1");
    expect((await postMcp(env, ping(), auth)).headers.get("ratelimit-remaining")).toBe("0");
  });

  it("throttles bad tokens per IP before authentication, then refuses from the block cache", async () => {
    const env = makeEnv(key, { RATE_LIMIT_IP_REQUESTS: "4" });
    const attacker = { authorization: "Bearer not-a-jwt", "cf-connecting-ip": "203.0.113.7" };
    for (let i = 0; i < 4; i++) expect((await postMcp(env, ping(), attacker)).status).toBe(401);
    const refused = await postMcp(env, ping(), attacker);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Even a valid token from that IP waits: the IP is blocked before authentication.
    const logs = captureLogs();
    const valid = await postMcp(env, ping(), {
      authorization: `Bearer ${await mintToken({ key })}`,
      "cf-connecting-ip": "203.0.113.7",
    });
    logs.restore();
    expect(valid.status).toBe(429);
    expect(logs.records()).toContainEqual(expect.objectContaining({ type: "rate_limited", reason: "ip_blocked" }));
    // Other IPs are unaffected.
    expect((await postMcp(env, ping(), { ...attacker, "cf-connecting-ip": "198.51.100.1" })).status).toBe(401);
  });
});

describe("quotas (in-memory)", () => {
  it("refuses a write over the daily writes quota with a tool error naming the quota and its reset", async () => {
    const env = makeEnv(key, { QUOTA_DAILY_WRITES: "2" });
    const client = await connectClient(env, await mintToken({ key, claims: { sub: "quota-user" } }));
    expect((await callTool(client, "write_file", { path: "a.txt", content: "a" })).isError).toBeFalsy();
    expect((await callTool(client, "write_file", { path: "b.txt", content: "b" })).isError).toBeFalsy();
    const refused = await callTool(client, "write_file", { path: "c.txt", content: "c" });
    expect(errorCodeOf(refused)).toBe("quota_exceeded");
    expect(textOf(refused)).toMatch(
      /Daily quota exhausted: writes \(2 of 2 used today, UTC\).*resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/,
    );
    expect(errorCodeOf(await callTool(client, "read_text_file", { path: "c.txt" }))).toBe("not_found");
  });

  it("buckets hostile CF-Connecting-IP values (huge, control-free junk, empty) without failing or sharing with real IPs", async () => {
    const env = makeEnv(key, { RATE_LIMIT_IP_REQUESTS: "2" });
    const auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "ip-junk" } })}` };
    for (const ip of ["x".repeat(8_000), "'; DROP TABLE --", "   ", "1.2.3.4, 5.6.7.8"]) {
      expect((await postMcp(env, ping(), { ...auth, "cf-connecting-ip": ip })).status, ip.slice(0, 20)).toBe(200);
    }
    // A real IP's budget is untouched by the junk above.
    for (let i = 0; i < 2; i++)
      expect((await postMcp(env, ping(), { ...auth, "cf-connecting-ip": "198.51.100.9" })).status).toBe(200);
    expect((await postMcp(env, ping(), { ...auth, "cf-connecting-ip": "198.51.100.9" })).status).toBe(429);
  });

  it("spends no daily quota on calls refused for their scope, but still counts them against the rate limit", async () => {
    const env = makeEnv(key, {
      QUOTA_DAILY_WRITES: "1",
      RATE_LIMIT_PRINCIPAL_UNITS: "6",
      RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600",
    });
    const readOnly = {
      authorization: `Bearer ${await mintToken({ key, claims: { sub: "scope-quota", scope: "files:read" } })}`,
    };
    for (let i = 0; i < 3; i++) {
      expect(
        (await postMcp(env, toolCall("write_file", { path: `refused-${i}.txt`, content: "x" }), readOnly)).status,
      ).toBe(403);
    }
    const writer = await connectClient(env, await mintToken({ key, claims: { sub: "scope-quota" } }));
    expect((await callTool(writer, "write_file", { path: "allowed.txt", content: "x" })).isError).toBeFalsy();
    // The 3 refused calls were counted: the shared window shows them spent.
    const after = await postMcp(env, ping(), readOnly);
    expect(Number(after.headers.get("ratelimit-remaining"))).toBeLessThan(6 - 3);
  });

  it("keeps storage usage right through overwrites and deletes, and refuses growth past the quota", async () => {
    const env = makeEnv(key, { QUOTA_STORAGE_BYTES: "100" });
    const client = await connectClient(env, await mintToken({ key, claims: { sub: "storage-user" } }));
    const write = (path: string, size: number) => callTool(client, "write_file", { path, content: "x".repeat(size) });
    expect((await write("a.txt", 60)).isError).toBeFalsy(); // 60
    expect((await write("a.txt", 90)).isError).toBeFalsy(); // overwrite: 90
    const refused = await write("b.txt", 20); // 110 > 100
    expect(errorCodeOf(refused)).toBe("quota_exceeded");
    expect(textOf(refused)).toContain("Storage quota exceeded");
    expect((await write("a.txt", 30)).isError).toBeFalsy(); // shrink: 30
    expect((await write("b.txt", 70)).isError).toBeFalsy(); // 100, exactly full
    expect(errorCodeOf(await write("c.txt", 1))).toBe("quota_exceeded");
    expect((await callTool(client, "delete_file", { path: "b.txt" })).isError).toBeFalsy(); // trash does not count: 30
    expect((await write("c.txt", 70)).isError).toBeFalsy(); // 100
  });
});

describe("daily read budget, QUOTA_DAILY_BYTES_READ (in-memory)", () => {
  it("refuses the next read once a principal has read past the budget; writes and other principals go on", async () => {
    const env = makeEnv(key, { QUOTA_DAILY_BYTES_READ: "2500" });
    const reader = await connectClient(env, await mintToken({ key, claims: { sub: "reader" } }));
    const body = "r".repeat(1000);
    expect((await callTool(reader, "write_file", { path: "big.txt", content: body })).isError).toBeFalsy();
    // 1,000 + 1,000 + 1,000 bytes: the third read is admitted (2,000 < 2,500) and counted after the answer.
    for (let i = 0; i < 3; i++)
      expect(textOf(await callTool(reader, "read_text_file", { path: "big.txt" }))).toBe(body);
    const refused = await callTool(reader, "read_text_file", { path: "big.txt" });
    expect(errorCodeOf(refused)).toBe("quota_exceeded");
    expect(textOf(refused)).toMatch(/bytes read \(3000 of 2500 used today, UTC\).*QUOTA_DAILY_BYTES_READ/);
    expect(textOf(refused)).not.toContain(body);
    // Every way to the same bytes is refused alike: other read tools and resources/read.
    expect(errorCodeOf(await callTool(reader, "read_multiple_files", { paths: ["big.txt"] }))).toBe("quota_exceeded");
    const viaResource = await reader.readResource({ uri: "r2-files:///big.txt" }).catch((error: unknown) => error);
    expect(viaResource).toBeInstanceOf(Error);
    expect(JSON.stringify({ message: (viaResource as Error).message, ...(viaResource as object) })).not.toContain(body);
    expect((viaResource as Error).message).toContain("QUOTA_DAILY_BYTES_READ");
    // Writes are not this budget's concern.
    expect((await callTool(reader, "write_file", { path: "more.txt", content: "still writing" })).isError).toBeFalsy();
    // Another principal has its own budget.
    const other = await connectClient(env, await mintToken({ key, claims: { sub: "other-reader" } }));
    expect((await callTool(other, "write_file", { path: "big.txt", content: body })).isError).toBeFalsy();
    expect(textOf(await callTool(other, "read_text_file", { path: "big.txt" }))).toBe(body);
  });

  it("counts resources/read against the same budget", async () => {
    const env = makeEnv(key, { QUOTA_DAILY_BYTES_READ: "1500" });
    const reader = await connectClient(env, await mintToken({ key, claims: { sub: "resource-reader" } }));
    const body = "s".repeat(1000);
    expect((await callTool(reader, "write_file", { path: "r.txt", content: body })).isError).toBeFalsy();
    await reader.readResource({ uri: "r2-files:///r.txt" });
    await reader.readResource({ uri: "r2-files:///r.txt" });
    expect(errorCodeOf(await callTool(reader, "read_text_file", { path: "r.txt" }))).toBe("quota_exceeded");
  });
});

describe("configuration", () => {
  it("production without Upstash answers 503 naming UPSTASH_REDIS_REST_URL", async () => {
    const env = makeEnv(key, { ENVIRONMENT: "production" });
    const logs = captureLogs();
    const res = await postMcp(env, ping(), { authorization: `Bearer ${await mintToken({ key })}` });
    logs.restore();
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeTruthy();
    expect(JSON.stringify(await res.json())).toContain("UPSTASH_REDIS_REST_URL");
    const health = await callWorker(env, "/healthz");
    expect(await health.json()).toEqual({ status: "misconfigured", variable: "UPSTASH_REDIS_REST_URL" });
  });
});
