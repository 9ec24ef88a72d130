/**
 * The real Worker in workerd, limits in real Redis behind the Upstash REST bridge on 127.0.0.1
 * (started by test/redis/support/global-setup.ts); the windows are @upstash/ratelimit's sliding
 * windows. Shows: exact allow/deny counts at the boundary, separate budgets per token, cost weighting,
 * Retry-After, refusals charging nothing (refunds), quota keys and their UTC-day reset, storage
 * accounting through overwrite and delete, the fail mode with the bridge paused or hanging, and ONE
 * Upstash HTTP request per request (the bridge's own counter), two after a script flush.
 *
 * Timing: windows are an hour long and every test uses fresh subjects/IPs, so the library's previous
 * window is empty and its sliding-window approximation cannot move a boundary during a test.
 */
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { classifyUpstashRequest } from "../../bench/lib/upstash-classes.mjs";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { nextUtcMidnight, utcDay } from "../../src/limits/decisions";
import { principalHash, principalQuotaKey, quotaKey, storageKey, tenantHash } from "../../src/limits/redis-keys";
import { SETTLE_SCRIPT, STORAGE_SCRIPT } from "../../src/limits/upstash-scripts";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { MCP_HEADERS, makeEnv, ORIGIN, postMcp, toolCall } from "../support/worker";

const upstashUrl = inject("upstashUrl");
const upstashToken = inject("upstashToken");
const controlUrl = inject("bridgeControlUrl");
const auth = { authorization: `Bearer ${upstashToken}` };

async function control(action: string, method = "POST"): Promise<{ mode: string; count: number }> {
  const res = await fetch(`${controlUrl}/${action}`, { method, headers: auth });
  if (!res.ok) throw new Error(`control ${action}: ${res.status}`);
  return (await res.json()) as { mode: string; count: number };
}

/** One raw Redis command through the bridge (the test's own view of the keys). */
async function redis(...command: (string | number)[]): Promise<unknown> {
  const res = await fetch(upstashUrl, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify(command),
  });
  return ((await res.json()) as { result?: unknown }).result;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The requests the bridge saw since the last reset-count, classed by their commands as the benchmark
 * classes them (request path, settlement after the answer, audit consumer): by what they carry, not by
 * when they arrived, so deferred work that reaches the bridge early is still told apart.
 */
async function requestClasses(): Promise<Record<"requestPath" | "settlement" | "audit", number>> {
  const res = await fetch(`${controlUrl}/requests`, { headers: auth });
  const { requests } = (await res.json()) as { requests: string[][][] };
  const sources = new Map([
    [SETTLE_SCRIPT, await sha1Hex(SETTLE_SCRIPT)],
    [STORAGE_SCRIPT, await sha1Hex(STORAGE_SCRIPT)],
  ]);
  const scripts = {
    settleSha: sources.get(SETTLE_SCRIPT) ?? "",
    storageSha: sources.get(STORAGE_SCRIPT) ?? "",
    sha1: (text: string) => sources.get(text) ?? "unknown script",
  };
  const classes = { requestPath: 0, settlement: 0, audit: 0 };
  for (const commands of requests) classes[classifyUpstashRequest(commands, scripts)]++;
  return classes;
}

let key: TestKey;
const envs = new Map<string, Env>();
/** Env objects are cached: the Worker keeps its limiter per env object, as per isolate. */
function redisEnv(overrides: Partial<Env> = {}): Env {
  const id = JSON.stringify(overrides);
  let env = envs.get(id);
  if (!env) {
    env = makeEnv(key, { UPSTASH_REDIS_REST_URL: upstashUrl, UPSTASH_REDIS_REST_TOKEN: upstashToken, ...overrides });
    envs.set(id, env);
  }
  return env;
}
let serial = 0;
const bearer = async (label: string) => ({
  authorization: `Bearer ${await mintToken({ key, claims: { sub: `${label}-${Date.now()}-${serial++}` } })}`,
});
const ping = (id = 1) => ({ jsonrpc: "2.0", id, method: "ping" });

beforeAll(async () => {
  key = await createTestKey("k1");
  await control("resume");
  await control("flushall");
});
afterEach(async () => {
  await control("resume");
});

/**
 * One request through the Worker with an ExecutionContext that records what it defers: the Upstash
 * requests made in total (the bridge's counter once deferred work finished), and how many deferred
 * promises were still pending when the answer was already back, i.e. work the answer did not wait for.
 */
async function callWorkerCounting(
  env: Env,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; requests: number; deferredPendingAtAnswer: number }> {
  await control("reset-count");
  const deferred: { done: boolean; promise: Promise<unknown> }[] = [];
  const ctx = {
    waitUntil(promise: Promise<unknown>) {
      const entry = { done: false, promise };
      promise.then(
        () => (entry.done = true),
        () => (entry.done = true),
      );
      deferred.push(entry);
    },
    passThroughOnException() {},
    props: {},
  } as unknown as ExecutionContext;
  const request = new Request(new URL("/mcp", ORIGIN), {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(body),
  });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  const deferredPendingAtAnswer = deferred.filter((entry) => !entry.done).length;
  await response.arrayBuffer();
  for (let settled = 0; settled < deferred.length; settled = deferred.length) {
    await Promise.allSettled(deferred.map((entry) => entry.promise));
  }
  return { status: response.status, requests: (await control("count", "GET")).count, deferredPendingAtAnswer };
}

describe("rate limits in Redis", () => {
  it("allows exactly N, then 429 with Retry-After; a second token has its own budget", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "5", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600" });
    const alice = await bearer("alice");
    const statuses: number[] = [];
    for (let i = 1; i <= 7; i++) statuses.push((await postMcp(env, ping(i), alice)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);

    const refused = await postMcp(env, ping(), alice);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    // First strike: blocked until the hour-long window leaves room (the end of the current hour).
    const expected = Math.ceil((Math.floor(Date.now() / 3_600_000 + 1) * 3_600_000 - Date.now()) / 1000);
    expect(Math.abs(retryAfter - expected)).toBeLessThanOrEqual(2);
    expect(refused.headers.get("ratelimit-limit")).toBe("5");
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");

    const bob = await bearer("bob");
    expect((await postMcp(env, ping(), bob)).status).toBe(200);
  });

  it("counts failed authentications against the IP and answers 429 after N", async () => {
    const env = redisEnv({ RATE_LIMIT_IP_REQUESTS: "3" });
    const attacker = { authorization: "Bearer nope", "cf-connecting-ip": "192.0.2.44" };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postMcp(env, ping(), attacker)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it("costs exactly one Upstash HTTP request per request; a blocked caller costs none", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "4", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600" });
    const carol = await bearer("carol");
    // Warms the scripts in Redis' cache (EVALSHA → NOSCRIPT → EVAL once per script per Redis).
    await postMcp(env, toolCall("write_file", { path: "warm.txt", content: "w" }), carol);
    const counts: number[] = [];
    const statuses: number[] = [];
    for (const body of [ping(), toolCall("write_file", { path: "n.txt", content: "hi" }), ping(), ping()]) {
      await control("reset-count");
      statuses.push((await postMcp(env, body, carol)).status);
      counts.push((await control("count", "GET")).count);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // ping: 1 (IP window + principal window + GATE in one /pipeline) · write_file: 1 (the storage
    // growth is reserved by GATE in the same pipeline, and a new file uses all of it: nothing to hand
    // back) · the first refusal: 1 before the answer + 1 after it through ctx.waitUntil (the IP
    // window's refund and the strike/block), which the harness waits for.
    expect(counts).toEqual([1, 1, 1, 2]);
    await control("reset-count");
    expect((await postMcp(env, ping(), carol)).status).toBe(429); // from the block cache
    expect((await control("count", "GET")).count).toBe(0);

    await control("reset-count");
    await postMcp(env, ping(), { authorization: "Bearer bad", "cf-connecting-ip": "192.0.2.99" });
    expect((await control("count", "GET")).count).toBe(1); // a failed authentication: one IP check
  });

  it("after a Redis script flush, the EVALSHA → NOSCRIPT → EVAL fallback costs exactly one more request", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "50" });
    const frank = await bearer("frank");
    expect((await postMcp(env, ping(), frank)).status).toBe(200);
    await control("script-flush");
    await control("reset-count");
    expect((await postMcp(env, ping(), frank)).status).toBe(200);
    expect((await control("count", "GET")).count).toBe(2);
    await control("reset-count");
    expect((await postMcp(env, ping(), frank)).status).toBe(200);
    expect((await control("count", "GET")).count).toBe(1);
  });

  it("a refusal charges nothing: the IP window is refunded, the daily quota untouched", async () => {
    const env = redisEnv({
      RATE_LIMIT_IP_REQUESTS: "3",
      RATE_LIMIT_IP_WINDOW_SECONDS: "3600",
      RATE_LIMIT_PRINCIPAL_UNITS: "1",
      RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600",
    });
    const ip = { "cf-connecting-ip": "198.51.100.23" };
    const sub = `gina-${Date.now()}`;
    const gina = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}`, ...ip };
    const write = (path: string) => toolCall("write_file", { path, content: "g" });
    expect((await postMcp(env, write("1.txt"), gina)).status).toBe(200); // IP 1/3, gina 1/1, 1 write today
    expect((await postMcp(env, write("2.txt"), gina)).status).toBe(429); // gina's window refuses
    // The refused write's quota charge and its IP unit were handed back after the answer.
    expect(await redis("get", quotaKey(await tenantHash(sub), Date.now(), "writes"))).toBe("1");
    const others = await Promise.all(["hal", "ivy", "jo"].map(async (name) => ({ ...(await bearer(name)), ...ip })));
    const statuses: number[] = [];
    for (const other of others) statuses.push((await postMcp(env, ping(), other)).status);
    expect(statuses).toEqual([200, 200, 429]); // IP: gina 1 + hal + ivy = 3; jo is over
  });

  it("a write costs one Upstash request before its answer; what it did not use goes back after it", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "50" });
    const sub = `lena-${Date.now()}`;
    const lena = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}` };
    const meterKey = storageKey(await tenantHash(sub));
    const used = async () => Number((await redis("get", meterKey)) ?? 0);
    const content = "l".repeat(4096);
    const write = (path: string) => callWorkerCounting(env, toolCall("write_file", { path, content }), lena);
    // Warm every script in Redis' cache (a first EVALSHA → NOSCRIPT → EVAL costs one more request):
    // an overwrite settles through STORAGE; then the warm-up file is emptied again.
    await write("warm.txt");
    await write("warm.txt");
    await postMcp(env, toolCall("write_file", { path: "warm.txt", content: "" }), lena);
    expect(await used()).toBe(0);

    // A new file: its whole reservation is used, nothing is left to hand back: one request in all.
    expect(await write("new.txt")).toMatchObject({ status: 200, requests: 1 });
    expect(await used()).toBe(4096);
    // The same size again: 4096 reserved, 0 grown; the 4096 go back in a second request that the
    // answer did not wait for (still pending when the answer was back).
    const overwrite = await write("new.txt");
    expect(overwrite).toMatchObject({ status: 200, requests: 2 });
    expect(overwrite.deferredPendingAtAnswer).toBeGreaterThanOrEqual(1);
    expect(await requestClasses()).toEqual({ requestPath: 1, settlement: 1, audit: 0 });
    expect(await used()).toBe(4096);
    // A delete: one request before the answer, the freed bytes released after it.
    const removed = await callWorkerCounting(env, toolCall("delete_file", { path: "new.txt" }), {
      ...lena,
      authorization: `Bearer ${await mintToken({ key, claims: { sub, scope: "files:read files:write files:delete" } })}`,
    });
    expect(removed).toMatchObject({ status: 200, requests: 2 });
    expect(removed.deferredPendingAtAnswer).toBeGreaterThanOrEqual(1);
    expect(await used()).toBe(0);
  });

  it("a same-size overwrite: one Upstash request by the answer, every time; the unused reservation after it", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "50" });
    const sub = `olga-${Date.now()}`;
    const olga = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}` };
    const meterKey = storageKey(await tenantHash(sub));
    const content = "o".repeat(4096);
    const overwrite = () => callWorkerCounting(env, toolCall("write_file", { path: "same.txt", content }), olga);
    // The first write creates the file; the second warms the release script (NOSCRIPT → EVAL once per Redis).
    await overwrite();
    await overwrite();
    for (let i = 0; i < 5; i++) {
      const answer = await overwrite();
      expect(answer).toMatchObject({ status: 200, requests: 2 });
      // The answer waits for the limits script only (it reserves the write's growth bound); the 4096
      // bytes not grown go back in ctx.waitUntil, still pending when the answer was back.
      expect(await requestClasses()).toEqual({ requestPath: 1, settlement: 1, audit: 0 });
      expect(answer.deferredPendingAtAnswer).toBeGreaterThanOrEqual(1);
    }
    expect(Number(await redis("get", meterKey))).toBe(4096);
  });

  it("a refused write hands its storage reservation back with the other charges", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "1", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600" });
    const sub = `milo-${Date.now()}`;
    const milo = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}` };
    const write = (path: string) => toolCall("write_file", { path, content: "m".repeat(700) });
    expect((await postMcp(env, write("1.txt"), milo)).status).toBe(200);
    expect((await postMcp(env, write("2.txt"), milo)).status).toBe(429); // GATE reserved, the window refused
    expect(Number(await redis("get", storageKey(await tenantHash(sub))))).toBe(700);
  });

  it("weights the principal's window by the call's cost (the library's rate)", async () => {
    const env = redisEnv({ RATE_LIMIT_PRINCIPAL_UNITS: "3", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "3600" });
    const kim = await bearer("kim");
    const big = "x".repeat(1024 * 1024 + 1); // write_file: 1 + floor(bytes / MiB) = 2 units
    expect(
      (await postMcp(env, toolCall("write_file", { path: "big.txt", content: big }), kim)).headers.get(
        "ratelimit-remaining",
      ),
    ).toBe("1");
    expect((await postMcp(env, ping(), kim)).headers.get("ratelimit-remaining")).toBe("0");
    expect((await postMcp(env, ping(), kim)).status).toBe(429);
  });
});

describe("quotas in Redis", () => {
  it("refuses past the daily quota with a tool error; the counter is today's UTC key, expiring after midnight", async () => {
    const env = redisEnv({ QUOTA_DAILY_DELETES: "1" });
    const sub = `quota-${Date.now()}`;
    const client = await connectClient(env, await mintToken({ key, claims: { sub } }));
    await callTool(client, "write_file", { path: "a.txt", content: "a" });
    await callTool(client, "write_file", { path: "b.txt", content: "b" });
    expect((await callTool(client, "delete_file", { path: "a.txt" })).isError).toBeFalsy();
    const refused = await callTool(client, "delete_file", { path: "b.txt" });
    expect(errorCodeOf(refused)).toBe("quota_exceeded");

    const now = Date.now();
    const counter = quotaKey(await tenantHash(sub), now, "deletes");
    expect(counter).toContain(`:${utcDay(now)}:`);
    expect(await redis("get", counter)).toBe("1");
    expect(await redis("pexpiretime", counter)).toBe(nextUtcMidnight(now) + 3_600_000);
    // At midnight the day's key changes; dropping today's counter is what tomorrow looks like.
    await redis("del", counter);
    expect((await callTool(client, "delete_file", { path: "b.txt" })).isError).toBeFalsy();
  });

  it("QUOTA_DAILY_BYTES_READ: checked in the one round trip, bytes returned added after the answer, refused past it", async () => {
    const env = redisEnv({ QUOTA_DAILY_BYTES_READ: "2500" });
    const sub = `reader-${Date.now()}-${serial++}`;
    const headers = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}` };
    const body = "r".repeat(1000);
    const read = (id: number) => postMcp(env, toolCall("read_text_file", { path: "r.txt" }, id), headers);
    expect((await postMcp(env, toolCall("write_file", { path: "r.txt", content: body }), headers)).status).toBe(200);
    await read(1); // warms QUOTA_ADD in Redis' script cache (NOSCRIPT → EVAL once)

    const now = Date.now();
    const counter = principalQuotaKey(await principalHash("jwt", sub), now, "bytesRead");
    expect(await redis("get", counter)).toBe("1000");
    expect(await redis("pexpiretime", counter)).toBe(nextUtcMidnight(now) + 3_600_000);

    // A read: one request before the answer (GATE charges 1 byte with the windows), one after it
    // (QUOTA_ADD of the other 999); a call that returns no content costs no second request.
    await control("reset-count");
    expect((await read(2)).status).toBe(200);
    expect((await control("count", "GET")).count).toBe(2);
    expect(await redis("get", counter)).toBe("2000");
    await control("reset-count");
    await postMcp(env, toolCall("list_directory", { path: "/" }), headers);
    expect((await control("count", "GET")).count).toBe(1);
    expect(await redis("get", counter)).toBe("2001");

    expect((await read(3)).status).toBe(200); // 2,001 + 1 ≤ 2,500: admitted, then counted in full
    expect(await redis("get", counter)).toBe("3001");
    const refused = await connectClient(env, headers.authorization.slice("Bearer ".length)).then((client) =>
      callTool(client, "read_text_file", { path: "r.txt" }),
    );
    expect(errorCodeOf(refused)).toBe("quota_exceeded");
    expect(textOf(refused)).toContain("QUOTA_DAILY_BYTES_READ");
    expect(await redis("get", counter)).toBe("3001"); // a refusal charges nothing
    // Writes are not refused by the read budget.
    expect((await postMcp(env, toolCall("write_file", { path: "w.txt", content: "w" }), headers)).status).toBe(200);
    const written = await connectClient(env, headers.authorization.slice("Bearer ".length)).then((client) =>
      callTool(client, "write_file", { path: "w2.txt", content: "w" }),
    );
    expect(written.isError).toBeFalsy();
  });

  it("keeps the storage figure right through writes, overwrites and deletes", async () => {
    const env = redisEnv({ QUOTA_STORAGE_BYTES: "100" });
    const sub = `storage-${Date.now()}`;
    const meterKey = storageKey(await tenantHash(sub));
    const client = await connectClient(env, await mintToken({ key, claims: { sub } }));
    const write = (path: string, size: number) => callTool(client, "write_file", { path, content: "x".repeat(size) });
    const used = async () => Number((await redis("get", meterKey)) ?? 0);

    await write("a.txt", 60);
    expect(await used()).toBe(60);
    await write("a.txt", 90);
    expect(await used()).toBe(90);
    expect(errorCodeOf(await write("b.txt", 11))).toBe("quota_exceeded");
    expect(await used()).toBe(90);
    await write("a.txt", 30);
    expect(await used()).toBe(30);
    await write("b.txt", 70);
    expect(await used()).toBe(100);
    expect(errorCodeOf(await callTool(client, "write_file", { path: "c.txt", content: "z" }))).toBe("quota_exceeded");
    await callTool(client, "delete_file", { path: "b.txt" });
    expect(await used()).toBe(30); // trash does not count
    // A conditional write that fails hands its reservation back.
    expect(
      errorCodeOf(await callTool(client, "write_file", { path: "a.txt", content: "y".repeat(50), ifNoneMatch: "*" })),
    ).toBe("already_exists");
    expect(await used()).toBe(30);

    // Restore takes the space again; a restore that would exceed the quota is refused and stores nothing.
    const deleted = (await callTool(client, "delete_file", { path: "a.txt" })).structuredContent as { trashId: string };
    expect(await used()).toBe(0);
    await write("big.txt", 80);
    expect(errorCodeOf(await callTool(client, "restore_file", { trashId: deleted.trashId }))).toBe("quota_exceeded");
    expect(await used()).toBe(80);
    await callTool(client, "delete_file", { path: "big.txt" });
    expect((await callTool(client, "restore_file", { trashId: deleted.trashId })).isError).toBeFalsy();
    expect(await used()).toBe(30);
    // A recursive delete frees every file's bytes; edits account for the size change.
    await write("dir/one.txt", 10);
    await write("dir/two.txt", 20);
    expect(await used()).toBe(60);
    expect((await callTool(client, "delete_file", { path: "dir", recursive: true })).isError).toBeFalsy();
    expect(await used()).toBe(30);
    await callTool(client, "edit_file", { path: "a.txt", edits: [{ oldText: "x".repeat(30), newText: "short" }] });
    expect(await used()).toBe(5);
  });
});

describe("fail mode with Upstash down", () => {
  it("paused: writes get 503 + Retry-After, reads follow LIMITS_DEGRADED_READS (default refuse), each logged", async () => {
    const refuseEnv = redisEnv();
    const allowEnv = redisEnv({ LIMITS_DEGRADED_READS: "allow" });
    const dave = await bearer("dave");
    await control("pause");
    const logs = captureLogs();
    const write = await postMcp(allowEnv, toolCall("write_file", { path: "w.txt", content: "w" }), dave);
    const readRefused = await postMcp(refuseEnv, toolCall("list_directory", { path: "/" }), dave);
    const readAllowed = await postMcp(allowEnv, toolCall("list_directory", { path: "/" }), dave);
    const badToken = await postMcp(refuseEnv, ping(), { authorization: "Bearer bad" });
    logs.restore();
    expect(write.status).toBe(503);
    expect(Number(write.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(readRefused.status).toBe(503);
    expect(readAllowed.status).toBe(200);
    expect(badToken.status).toBe(401); // our outage never hides the caller's 401
    const reasons = logs
      .records()
      .filter((r) => r.type === "degraded_decision")
      .map((r) => r.reason);
    expect(reasons).toEqual(["refused_write", "refused_read", "allowed_read", "auth_failure_uncounted"]);
  });

  it("hanging: the short timeout answers, never the library's silent allow", async () => {
    const env = redisEnv({ LIMITS_UPSTASH_TIMEOUT_MS: "200" });
    const erin = await bearer("erin");
    await control("hang");
    const started = Date.now();
    const res = await postMcp(env, toolCall("write_file", { path: "h.txt", content: "h" }), erin);
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    await control("resume");
    expect((await postMcp(env, ping(), erin)).status).toBe(200);
  });
});
