/**
 * JSON-RPC batches for MCP 2025-03-26 (header 2025-03-26 or absent): each member meets every decision a
 * single POST meets (scope, policy, rate limits, audit) and gets its own answer, log line and audit
 * events; the answers come back as one JSON array. Later revisions keep the 400 -32600 refusal, and a
 * batch past MAX_BATCH_MESSAGES is refused whole with nothing run.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { MAX_BATCH_MESSAGES } from "../../../src/http/batch";
import { recordingQueue } from "../../support/audit";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { mintToken } from "../../support/tokens";
import { callWorker, makeEnv, toolCall } from "../../support/worker";

const TENANT = "batcher";
let key: TestKey;
let readToken: string;

beforeAll(async () => {
  key = await createTestKey("batches");
  readToken = await mintToken({ key, claims: { sub: TENANT, scope: "files:read" } });
  await env.FILES.put(`files/${TENANT}/a.txt`, "alpha");
  await env.FILES.put(`files/${TENANT}/b.txt`, "beta");
});

type Entry = {
  id: unknown;
  result?: { content?: { text?: string }[]; isError?: boolean };
  error?: { code: number; message: string };
};

function postBatch(workerEnv: Env, body: unknown, headers: Record<string, string> = {}, token = readToken) {
  return callWorker(workerEnv, "/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

const read = (path: string, id: number) => toolCall("read_text_file", { path }, id);

describe("a 2025-03-26 batch of reads, a refused write and a notification", () => {
  it("answers each request in order, refuses the write alone, and counts and audits each member", async () => {
    const queue = recordingQueue();
    const workerEnv = makeEnv(key, { AUDIT_QUEUE: queue });
    const logs = captureLogs();
    let response: Response;
    try {
      response = await postBatch(workerEnv, [
        read("a.txt", 1),
        toolCall("list_directory", { path: "/" }, 2),
        toolCall("write_file", { path: "sneaky.txt", content: "x" }, 3),
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 99 } },
        read("missing.txt", 4),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      logs.restore();
    }
    expect(response.status).toBe(200);
    const entries = (await response.json()) as Entry[];
    expect(entries.map((entry) => entry.id)).toEqual([1, 2, 3, 4]);
    expect(entries[0]?.result?.content?.[0]?.text).toBe("alpha");
    expect(entries[1]?.result?.content?.[0]?.text).toContain("a.txt");
    // The write is refused exactly as a single call would be (scope step-up), and nothing is written.
    expect(entries[2]?.error?.message).toContain("files:write");
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(await env.FILES.head(`files/${TENANT}/sneaky.txt`)).toBeNull();
    expect(entries[3]?.result?.isError).toBe(true);
    expect(entries[3]?.result?.content?.[0]?.text).toMatch(/^\[not_found\]/);

    // One log line per member (request id <batch>.<n>) beside the batch's own.
    const lines = logs.lineRecords().filter((record) => record.kind === "request");
    const batchLine = lines.find((line) => line.rpcMethod === "batch");
    expect(batchLine).toBeDefined();
    const members = lines.filter((line) => String(line.requestId).startsWith(`${batchLine?.requestId}.`));
    expect(members.map((line) => [line.rpcMethod, line.tool ?? null, line.outcome])).toEqual([
      ["tools/call", "read_text_file", "ok"],
      ["tools/call", "list_directory", "ok"],
      ["tools/call", "write_file", "denied"],
      ["notifications/cancelled", null, "ok"],
      ["tools/call", "read_text_file", "tool_error"],
    ]);

    // Audit: one authentication for the batch, and each call's own File Hosting event.
    type Event = { class_uid: number; unmapped?: { tool?: string }; api?: { operation?: string } };
    const events = (queue.messages.map((message) => message.body) as { events: Event[] }[]).flatMap(
      (body) => body.events,
    );
    expect(events.filter((event) => event.class_uid === 3002)).toHaveLength(1);
    const fileEvents = events.filter((event) => event.class_uid === 6006);
    expect(fileEvents.map((event) => event.unmapped?.tool ?? event.api?.operation)).toEqual(
      expect.arrayContaining(["read_text_file", "list_directory", "write_file"]),
    );
    expect(fileEvents).toHaveLength(4);
  });

  it("a batch with no header is 2025-03-26 too; only notifications get 202", async () => {
    const workerEnv = makeEnv(key);
    const response = await postBatch(workerEnv, [{ jsonrpc: "2.0", method: "notifications/initialized" }]);
    expect(response.status).toBe(202);
    const explicit = await postBatch(workerEnv, [read("b.txt", 7)], { "mcp-protocol-version": "2025-03-26" });
    expect(((await explicit.json()) as Entry[])[0]?.result?.content?.[0]?.text).toBe("beta");
  });
});

describe("a batch cannot exceed a limit a single call could not", () => {
  it("each member spends the principal's rate limit: past it, members are refused, not run", async () => {
    // A day-long window: a window boundary between members (the in-memory limiter's windows are aligned
    // to the clock) would let the sliding weight round member 4 through on a slow machine.
    const workerEnv = makeEnv(key, { RATE_LIMIT_PRINCIPAL_UNITS: "3", RATE_LIMIT_PRINCIPAL_WINDOW_SECONDS: "86400" });
    const token = await mintToken({ key, claims: { sub: TENANT, scope: "files:read", jti: "rl" } });
    const response = await postBatch(
      workerEnv,
      [1, 2, 3, 4, 5].map((id) => read("a.txt", id)),
      {},
      token,
    );
    expect(response.status).toBe(200);
    const entries = (await response.json()) as Entry[];
    expect(entries.slice(0, 3).every((entry) => entry.result?.content?.[0]?.text === "alpha")).toBe(true);
    expect(entries.slice(3).map((entry) => entry.error?.message)).toEqual([
      expect.stringContaining("Too many requests"),
      expect.stringContaining("Too many requests"),
    ]);
    expect(response.headers.get("retry-after")).not.toBeNull();
    // And the next single call is refused too: the batch spent the window.
    const single = await postBatch(workerEnv, read("a.txt", 9), {}, token);
    expect(single.status).toBe(429);
  });

  it(`more than ${MAX_BATCH_MESSAGES} members: refused whole, nothing run`, async () => {
    const workerEnv = makeEnv(key);
    const writer = await mintToken({ key, claims: { sub: TENANT, scope: "files:read files:write" } });
    const members = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) =>
      toolCall("write_file", { path: `many/${i}.txt`, content: "x" }, i),
    );
    const response = await postBatch(workerEnv, members, {}, writer);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Entry;
    expect(body.error?.code).toBe(-32600);
    expect(body.error?.message).toContain(`at most ${MAX_BATCH_MESSAGES} messages`);
    expect((await env.FILES.list({ prefix: `files/${TENANT}/many/` })).objects).toHaveLength(0);
  });

  it("initialize cannot be batched", async () => {
    const response = await postBatch(makeEnv(key), [
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-03-26", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      },
      read("a.txt", 2),
    ]);
    const entries = (await response.json()) as Entry[];
    expect(entries[0]).toMatchObject({ id: 1, error: { code: -32600 } });
    expect(entries[1]?.result?.content?.[0]?.text).toBe("alpha");
  });
});

describe("later revisions keep the precise refusal", () => {
  it.each(["2025-06-18", "2025-11-25"])("a batch under %s is 400 -32600, nothing run", async (revision) => {
    const writer = await mintToken({ key, claims: { sub: TENANT, scope: "files:read files:write" } });
    const response = await postBatch(
      makeEnv(key),
      [toolCall("write_file", { path: `late-${revision}.txt`, content: "x" }, 1)],
      { "mcp-protocol-version": revision },
      writer,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as Entry;
    expect(body.error?.code).toBe(-32600);
    expect(body.error?.message).toContain("2025-03-26");
    expect(await env.FILES.head(`files/${TENANT}/late-${revision}.txt`)).toBeNull();
  });
});
