/**
 * API keys end to end through the real Worker and the real SDK client, with records in Miniflare KV made
 * by the same functions as `npm run keys`: the lifecycle (create → use → rotate → both work in the grace
 * window → the old one ends → revoke), wrong secrets, expiry, the deployment's revocation list, per-key
 * rate limits, and that a key never appears in a response or a log line.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthFailureReason } from "../../src/auth/auth-failure";
import type { Env } from "../../src/env";
import { createKey, nowSeconds, revokeKey, rotateKey, withWrongSecret } from "../support/api-keys";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, textOf } from "../support/mcp-client";
import { makeEnv, postMcp, toolCall } from "../support/worker";

let signing: TestKey;
let workerEnv: Env;
const kv = () => env.API_KEYS as KVNamespace;

beforeAll(async () => {
  signing = await createTestKey("api-keys");
  workerEnv = makeEnv(signing);
});

interface Attempt {
  readonly status: number;
  readonly body: string;
  readonly challenge: string | null;
  readonly security: Record<string, unknown>[];
  readonly request: Record<string, unknown> | undefined;
}

async function attempt(key: string, call = toolCall("list_directory", { path: "/" }), target = workerEnv) {
  const logs = captureLogs();
  try {
    const response = await postMcp(target, call, { authorization: `Bearer ${key}` });
    const body = await response.text();
    const records = logs.records();
    // Invariant 2: the key (and its secret part) never appears in the answer or the logs.
    const secret = key.split("_")[2] ?? key;
    for (const text of [body, ...logs.lines, [...response.headers].join("\n")]) {
      expect(text.includes(key)).toBe(false);
      expect(text.includes(secret)).toBe(false);
    }
    return {
      status: response.status,
      body,
      challenge: response.headers.get("www-authenticate"),
      security: records.filter((r) => r.kind === "security"),
      request: records.find((r) => r.kind === "request"),
    } satisfies Attempt;
  } finally {
    logs.restore();
  }
}

function expectRefused(result: Attempt, reason: AuthFailureReason): void {
  expect(result.status, result.body).toBe(401);
  expect(result.challenge).toContain('error="invalid_token"');
  expect(result.security).toEqual([expect.objectContaining({ type: "auth_failure", reason })]);
  expect(result.request).toMatchObject({ status: 401, outcome: "denied", errorCode: reason });
  expect(JSON.parse(result.body).error.code).toBe(-32000);
}

describe("API key lifecycle", () => {
  it("create → use → rotate → both work in the grace window → revoke → 401", async () => {
    const { key, keyId } = await createKey(kv(), { subject: "ci-bot", tenant: "keys-acme", label: "CI" });
    expect(key).toMatch(/^r2mcp_[A-Za-z0-9]{16}_[A-Za-z0-9]{32,}$/);

    // A real MCP client, the key as a Bearer credential: the write lands in the key's tenant.
    const client = await connectClient(workerEnv, key);
    const written = await callTool(client, "write_file", { path: "deploy.txt", content: "v1" });
    expect(written.isError, textOf(written)).toBeFalsy();
    expect(await (await env.FILES.get("files/keys-acme/deploy.txt"))?.text()).toBe("v1");
    await client.close();

    const used = await attempt(key);
    expect(used.status).toBe(200);
    expect(used.request).toMatchObject({ tenant: "keys-acme", subject: "ci-bot", outcome: "ok" });

    const rotated = await rotateKey(kv(), keyId, 3600);
    expect(rotated).not.toBe(key);
    expect(rotated.startsWith(`r2mcp_${keyId}_`)).toBe(true);
    expect((await attempt(key)).status).toBe(200);
    expect((await attempt(rotated)).status).toBe(200);

    await revokeKey(kv(), keyId);
    expectRefused(await attempt(rotated), "api_key_revoked");
    expectRefused(await attempt(key), "api_key_revoked");
    // Nothing more was written by the refused calls.
    const refusedWrite = await attempt(rotated, toolCall("write_file", { path: "after.txt", content: "x" }));
    expectRefused(refusedWrite, "api_key_revoked");
    expect(await env.FILES.head("files/keys-acme/after.txt")).toBeNull();
  });

  it("the previous secret fails once its grace period is over; the new one keeps working", async () => {
    const { key, keyId } = await createKey(kv(), { subject: "rotating" }, nowSeconds() - 10_000);
    // Rotated two hours ago with a one-hour grace period.
    const rotated = await rotateKey(kv(), keyId, 3600, nowSeconds() - 7200);
    expectRefused(await attempt(key), "api_key_rotated");
    expect((await attempt(rotated)).status).toBe(200);
  });

  it("a second rotation ends the oldest secret at once", async () => {
    const { key, keyId } = await createKey(kv(), { subject: "twice" });
    const second = await rotateKey(kv(), keyId, 3600);
    const third = await rotateKey(kv(), keyId, 3600);
    expectRefused(await attempt(key), "api_key_secret_mismatch");
    expect((await attempt(second)).status).toBe(200);
    expect((await attempt(third)).status).toBe(200);
  });
});

describe("API key refusals", () => {
  it("a wrong secret with a real key id", async () => {
    const { key } = await createKey(kv(), { subject: "guessed" });
    expectRefused(await attempt(withWrongSecret(key)), "api_key_secret_mismatch");
  });

  it("an expired key", async () => {
    const { key } = await createKey(kv(), { subject: "expiring", expiresInSeconds: 60 }, nowSeconds() - 120);
    expectRefused(await attempt(key), "api_key_expired");
  });

  it("a key id that does not exist, and key-shaped strings that are not keys", async () => {
    expectRefused(await attempt(`r2mcp_${"A".repeat(16)}_${"b".repeat(40)}`), "unknown_api_key");
    expectRefused(await attempt(`r2mcp_short_${"b".repeat(40)}`), "malformed_api_key");
    expectRefused(await attempt(`r2mcp_${"A".repeat(16)}_${"b".repeat(31)}`), "malformed_api_key");
  });

  it("a key on API_KEYS_REVOKED is refused at once, whatever KV says", async () => {
    const { key, keyId } = await createKey(kv(), { subject: "leaked" });
    const revokedEnv = makeEnv(signing, { API_KEYS_REVOKED: keyId });
    expectRefused(await attempt(key, undefined, revokedEnv), "api_key_revoked");
    expect((await attempt(key)).status).toBe(200);
  });

  it("without the API_KEYS binding every key is unknown", async () => {
    const { key } = await createKey(kv(), { subject: "unbound" });
    expectRefused(await attempt(key, undefined, makeEnv(signing, { API_KEYS: undefined })), "unknown_api_key");
  });

  it("a corrupt stored record is our fault: 500 with the request id, never a 401", async () => {
    const keyId = "C".repeat(16);
    await kv().put(`key:${keyId}`, JSON.stringify({ v: 1, keyId, secrets: "nope" }));
    const result = await attempt(`r2mcp_${keyId}_${"z".repeat(40)}`);
    expect(result.status).toBe(500);
    expect(result.challenge).toBeNull();
    expect(result.request).toMatchObject({ outcome: "server_error", errorCode: "api_key_record_invalid" });
  });
});

describe("API key principals", () => {
  it("scopes come from the record: a read-only key gets 403 insufficient_scope for a write", async () => {
    const { key } = await createKey(kv(), { subject: "reader", scopes: ["files:read"] });
    const result = await attempt(key, toolCall("write_file", { path: "x.txt", content: "x" }));
    expect(result.status).toBe(403);
    expect(result.challenge).toContain('error="insufficient_scope", scope="files:read files:write"');
    expect(await env.FILES.head("files/reader/x.txt")).toBeNull();
  });

  it("each key is its own principal for rate limits, even with the same subject", async () => {
    const limited = makeEnv(signing, { RATE_LIMIT_PRINCIPAL_UNITS: "2" });
    const first = await createKey(kv(), { subject: "shared-subject" });
    const second = await createKey(kv(), { subject: "shared-subject" });
    expect((await attempt(first.key, undefined, limited)).status).toBe(200);
    expect((await attempt(first.key, undefined, limited)).status).toBe(200);
    expect((await attempt(first.key, undefined, limited)).status).toBe(429);
    expect((await attempt(second.key, undefined, limited)).status).toBe(200);
  });

  it("a key acts in its own tenant only", async () => {
    await env.FILES.put("files/other-tenant/secret.txt", "not yours");
    const { key } = await createKey(kv(), { subject: "k-tenant", tenant: "own-tenant" });
    const result = await attempt(key, toolCall("read_text_file", { path: "secret.txt" }));
    expect(result.status).toBe(200);
    expect(result.body).not.toContain("not yours");
  });
});
