/**
 * Every request accounted for (invariant 10, docs/architecture.md): whatever arrives at POST /mcp from
 * an authenticated caller (real and prototype-named methods and tools, malformed JSON, wrong types in
 * every field, huge ids, unknown resources, notifications), the Worker writes exactly one request log
 * line and sends at least one audit event for it, and a client fault is never answered with a 5xx.
 * fast-check generates the messages; each is sent through the real Worker (Miniflare R2, the real audit
 * producer into a recording queue).
 */
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/env";
import { type RecordingQueue, recordingQueue } from "../support/audit";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv } from "../support/worker";

const PROTOTYPE_NAMES = [
  "constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
  "prototype",
];
const METHODS = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "prompts/list",
  "completion/complete",
  "logging/setLevel",
  "server/discover",
  "notifications/initialized",
  "notifications/cancelled",
];
const TOOLS = ["read_text_file", "write_file", "edit_file", "search_file_contents", "delete_file", "get_operation"];

const name = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom(...TOOLS),
  fc.string({ maxLength: 40 }),
  fc.anything({ maxDepth: 2 }),
);
const hostileValue = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.constantFrom("/", "../x", "a/../../b", "r2-files:///a", "r2-files:///%ZZ", "x".repeat(5000)),
  fc.anything({ maxDepth: 2, withNullPrototype: true }),
);
const argumentsValue = fc.oneof(
  fc.dictionary(
    fc.constantFrom("path", "paths", "source", "destination", "content", "edits", "pattern", "cursor", "__proto__"),
    hostileValue,
    { maxKeys: 4 },
  ),
  fc.anything({ maxDepth: 2 }),
);
const id = fc.oneof(
  fc.integer(),
  fc.constantFrom(2 ** 53, -(2 ** 60), 1e308, 0.5, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ maxLength: 20 }),
  fc.constant("i".repeat(20_000)),
  fc.constant(null),
  fc.anything({ maxDepth: 1 }),
);

const message = fc
  .record(
    {
      jsonrpc: fc.oneof(fc.constant("2.0"), fc.constant("2.0"), fc.anything({ maxDepth: 1 })),
      id,
      method: fc.oneof(fc.constantFrom(...METHODS), fc.constantFrom(...PROTOTYPE_NAMES), name),
      params: fc.oneof(
        fc.record({ name, arguments: argumentsValue }, { requiredKeys: [] }),
        fc.record({ uri: hostileValue, cursor: hostileValue }, { requiredKeys: [] }),
        fc.anything({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: ["method"] },
  )
  .map((value) => JSON.stringify(value) ?? "null");

// Well-formed tools/call envelopes, so generated tool names and arguments reach the tool lookup and the seam.
const toolCallMessage = fc
  .record({ id: fc.integer(), name, arguments: argumentsValue })
  .map(({ id, name, arguments: args }) =>
    JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }),
  );

const body = fc.oneof(
  { weight: 4, arbitrary: message },
  { weight: 4, arbitrary: toolCallMessage },
  fc.string({ unit: "binary", maxLength: 100 }),
  fc.json({ maxDepth: 3 }),
  fc.constantFrom("", "{", '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"constructor"}', "[]", "[{}]"),
);
const protocolVersion = fc.oneof(
  { weight: 4, arbitrary: fc.constant("2025-11-25") },
  fc.constantFrom("2025-03-26", "2026-07-28", "1999-01-01", "__proto__"),
);

let key: TestKey;
let token: string;
let queue: RecordingQueue;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("accounting");
  token = await mintToken({ key, claims: { sub: "fuzz-tenant" } });
  queue = recordingQueue();
  // Limits high enough that the generated requests reach MCP instead of the rate limiter.
  workerEnv = makeEnv(key, {
    AUDIT_QUEUE: queue,
    RATE_LIMIT_IP_REQUESTS: "100000",
    RATE_LIMIT_PRINCIPAL_UNITS: "100000",
  } as Partial<Env>);
});

afterEach(() => vi.restoreAllMocks());

interface Accounting {
  status: number;
  requestLines: number;
  events: number;
}

type Credential = "valid" | "none" | "garbage" | "prototype-scheme";
const credential = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Credential>("valid") },
  fc.constantFrom<Credential>("none", "garbage", "prototype-scheme"),
);

function authorizationFor(kind: Credential): Record<string, string> {
  switch (kind) {
    case "valid":
      return { authorization: `Bearer ${token}` };
    case "none":
      return {};
    case "garbage":
      return { authorization: "Bearer not.a.jwt" };
    case "prototype-scheme":
      return { authorization: `constructor ${token}` };
  }
}

async function send(text: string, version: string, kind: Credential = "valid"): Promise<Accounting> {
  queue.messages.splice(0);
  const logs = captureLogs();
  try {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, "mcp-protocol-version": version, ...authorizationFor(kind) },
      body: text,
    });
    await response.arrayBuffer();
    const requestId = response.headers.get("x-request-id");
    const requestLines = logs
      .lineRecords()
      .filter((record) => record.kind === "request" && record.requestId === requestId).length;
    const events = queue.messages.reduce((sum, m) => {
      const envelope = m.body as { kind?: string; events?: unknown[] };
      return sum + (envelope.kind === "events" ? (envelope.events?.length ?? 0) : 1);
    }, 0);
    return { status: response.status, requestLines, events };
  } finally {
    logs.restore();
  }
}

describe("every request accounted for", () => {
  it.each([
    ...PROTOTYPE_NAMES.map((tool) => ["tools/call", tool]),
    ...PROTOTYPE_NAMES.map((method) => [method, undefined]),
  ])("method %s, tool %s: one log line, its audit events, a 4xx-class answer", async (method, tool) => {
    const text = JSON.stringify({
      jsonrpc: "2.0",
      id: 7,
      method,
      params: tool === undefined ? {} : { name: tool, arguments: { path: "a.txt" } },
    });
    const accounted = await send(text, "2025-11-25");
    expect(accounted.status).toBeLessThan(500);
    expect(accounted.requestLines).toBe(1);
    // Authentication (it succeeded) and the call (File Hosting) or the method (API Activity).
    expect(accounted.events).toBeGreaterThanOrEqual(2);
  });

  it("generated JSON-RPC messages: one log line, at least one audit event, no 5xx", async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, protocolVersion, credential, async (text, version, kind) => {
        const accounted = await send(text, version, kind);
        statuses.add(accounted.status);
        expect(accounted.status).toBeLessThan(500);
        expect(accounted.requestLines).toBe(1);
        expect(accounted.events).toBeGreaterThanOrEqual(1);
      }),
      {
        numRuns: 150,
        // One of each kind the closing check names, so it never depends on what the generator drew.
        examples: [
          ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}', "2025-11-25", "valid"],
          ['{"jsonrpc":"2.0","method":"notifications/initialized"}', "2025-11-25", "valid"],
          ["{", "2025-11-25", "valid"],
          ['{"jsonrpc":"2.0","id":1,"method":"tools/list"}', "2025-11-25", "none"],
        ],
      },
    );
    // The generator reaches MCP (answers), notifications (202), the body and protocol checks (400) and
    // authentication's refusals (401).
    expect([...statuses]).toEqual(expect.arrayContaining([200, 202, 400, 401]));
  });
});
