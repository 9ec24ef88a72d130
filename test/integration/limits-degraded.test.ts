/**
 * Upstash down, in the Workers tier (no Redis needed): with LIMITS_DEGRADED_READS=allow a read is let
 * through, while a write or a delete is refused with 503 + Retry-After before any tool runs, and R2 is
 * left exactly as it was (invariant 5, docs/architecture.md). This is the test that fails if the
 * request path stops telling writes from reads (src/http/request-cost.ts `operationOf`).
 *
 * Upstash is "down" by the edge only: the Worker's outbound fetch to the Upstash host is refused.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { mintToken } from "../support/tokens";
import { makeEnv, postMcp, toolCall } from "../support/worker";

const UPSTASH = "https://upstash.example.test";

let key: TestKey;
let healthy: Env;
let degraded: Env;
let auth: Record<string, string>;
beforeAll(async () => {
  key = await createTestKey("k1");
  healthy = makeEnv(key); // in-memory limiter, same R2 bucket: seeds and inspects the files
  degraded = makeEnv(key, {
    ENVIRONMENT: "production",
    UPSTASH_REDIS_REST_URL: UPSTASH,
    UPSTASH_REDIS_REST_TOKEN: "test-upstash-token",
    LIMITS_DEGRADED_READS: "allow",
  });
  auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "degraded-user" } })}` };
});

let upstashCalls = 0;
beforeEach(() => {
  upstashCalls = 0;
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin === UPSTASH) {
      upstashCalls += 1;
      throw new TypeError("Network connection lost.");
    }
    return realFetch(input, init);
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function call(env: Env, name: string, args: Record<string, unknown>) {
  const logs = captureLogs();
  const response = await postMcp(env, toolCall(name, args), auth);
  logs.restore();
  const body = (await response.json()) as {
    result?: { isError?: boolean; content: { text: string }[] };
    error?: { code: number; message: string };
  };
  return { response, body, records: logs.records() };
}

async function readBack(path: string): Promise<string> {
  const { body } = await call(healthy, "read_text_file", { path });
  return body.result!.content[0]!.text;
}

describe("limiter unavailable, LIMITS_DEGRADED_READS=allow", () => {
  it("lets a read through, logged as a degraded decision", async () => {
    await call(healthy, "write_file", { path: "degraded/kept.md", content: "kept" });
    const { response, body, records } = await call(degraded, "read_text_file", { path: "degraded/kept.md" });
    expect(upstashCalls).toBeGreaterThan(0);
    expect(response.status).toBe(200);
    expect(body.result?.content[0]?.text).toBe("kept");
    expect(records).toContainEqual(expect.objectContaining({ type: "degraded_decision", reason: "allowed_read" }));
  });

  it("refuses a write with 503 + Retry-After before the tool runs; nothing is stored", async () => {
    await call(healthy, "write_file", { path: "degraded/w.md", content: "before" });
    for (const [name, args] of [
      ["write_file", { path: "degraded/w.md", content: "after" }],
      ["write_file", { path: "degraded/new.md", content: "new" }],
      ["create_directory", { path: "degraded/dir" }],
      ["edit_file", { path: "degraded/w.md", edits: [{ oldText: "before", newText: "edited" }] }],
    ] as const) {
      const { response, body, records } = await call(degraded, name, args);
      expect(response.status, name).toBe(503);
      expect(Number(response.headers.get("retry-after")), name).toBeGreaterThanOrEqual(1);
      expect(body.error, name).toMatchObject({
        code: -32000,
        message: expect.stringContaining("temporarily unavailable"),
      });
      expect(records, name).toContainEqual(
        expect.objectContaining({ type: "degraded_decision", reason: "refused_write" }),
      );
      // Refused at admission: the tool never started (it would have logged its own outage).
      expect(records.some((r) => r.type === "dependency_unavailable")).toBe(false);
    }
    expect(await readBack("degraded/w.md")).toBe("before");
    const missing = await call(healthy, "get_file_info", { path: "degraded/new.md" });
    expect(missing.body.result?.isError).toBe(true);
    const noDir = await call(healthy, "get_file_info", { path: "degraded/dir" });
    expect(noDir.body.result?.isError).toBe(true);
  });

  it("refuses deletes and moves with 503; the files stay where they were", async () => {
    await call(healthy, "write_file", { path: "degraded/d.md", content: "still here" });
    for (const [name, args] of [
      ["delete_file", { path: "degraded/d.md" }],
      ["move_file", { source: "degraded/d.md", destination: "degraded/moved.md" }],
      ["empty_trash", {}],
    ] as const) {
      const { response, records } = await call(degraded, name, args);
      expect(response.status, name).toBe(503);
      expect(records, name).toContainEqual(
        expect.objectContaining({ type: "degraded_decision", reason: "refused_write" }),
      );
    }
    expect(await readBack("degraded/d.md")).toBe("still here");
    const moved = await call(healthy, "get_file_info", { path: "degraded/moved.md" });
    expect(moved.body.result?.isError).toBe(true);
  });
});
