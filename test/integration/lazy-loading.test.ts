/**
 * The MCP pipeline and its message stage load on first use (docs/performance.md, "Startup"). When a
 * load fails, the request that needed it fails closed: HTTP 500 with JSON-RPC -32603 and the request
 * id, one log line naming the internal error, nothing served and nothing skipped; routes that never
 * need the part answer as before, and the next request loads it again.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type McpPipelineLoader } from "../../src/app";
import type { Env } from "../../src/env";
import { createMcpRequestHandler, type MessageStageLoader } from "../../src/http/mcp-pipeline";
import { createTestKey } from "../support/keys";
import { type CapturedLogs, captureLogs } from "../support/logs";
import { mintToken } from "../support/tokens";
import { MCP_HEADERS, makeEnv, ORIGIN } from "../support/worker";

let workerEnv: Env;
let token: string;
let logs: CapturedLogs | undefined;

beforeAll(async () => {
  const key = await createTestKey("lazy-loading");
  workerEnv = makeEnv(key);
  token = await mintToken({ key, claims: { sub: "lazy-user" } });
});

afterEach(() => {
  logs?.restore();
  logs = undefined;
});

/** Fails the first `failures` loads, then loads for real. */
function failingFirst<T>(load: () => Promise<T>, failures = 1) {
  const state = { calls: 0 };
  return {
    state,
    load: async () => {
      state.calls++;
      if (state.calls <= failures) throw new Error("module evaluation failed");
      return load();
    },
  };
}

async function call(loader: McpPipelineLoader, path: string, init?: RequestInit): Promise<Response> {
  const app = createApp(loader);
  const ctx = createExecutionContext();
  const response = await app.fetch(new Request(new URL(path, ORIGIN), init), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

const toolsList = (authorization?: string) => ({
  method: "POST",
  headers: { ...MCP_HEADERS, ...(authorization ? { authorization } : {}) },
  body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }),
});

async function expectFailedClosed(response: Response) {
  expect(response.status).toBe(500);
  const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
  expect(body.error.code).toBe(-32603);
  expect(body.error.message).toContain(response.headers.get("x-request-id"));
  expect(body).not.toHaveProperty("result");
  const line = logs!.lineRecords().at(-1)!;
  expect(line).toMatchObject({ status: 500, outcome: "server_error", errorCode: "internal_error" });
  expect(JSON.stringify(line)).toContain("unhandled_exception");
}

describe("the MCP pipeline fails to load", () => {
  it("answers POST /mcp with 500, keeps /healthz and metadata working, and loads again next time", async () => {
    const pipeline = failingFirst(() => import("../../src/http/mcp-pipeline"));
    logs = captureLogs();
    await expectFailedClosed(await call(pipeline.load, "/mcp", toolsList(`Bearer ${token}`)));
    // Routes that never need the pipeline do not try to load it.
    expect((await call(pipeline.load, "/healthz")).status).toBe(200);
    expect((await call(pipeline.load, "/.well-known/oauth-protected-resource/mcp")).status).toBe(200);
    expect(pipeline.state.calls).toBe(1);
    const retried = await call(pipeline.load, "/mcp", toolsList(`Bearer ${token}`));
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(5);
  });

  it("a request without a credential still gets its 500, not a 401 (no stage runs without the pipeline)", async () => {
    const pipeline = failingFirst(() => import("../../src/http/mcp-pipeline"));
    logs = captureLogs();
    await expectFailedClosed(await call(pipeline.load, "/mcp", toolsList()));
  });
});

describe("the message stage (the MCP SDK, policy, tools) fails to load", () => {
  const withStage =
    (stage: MessageStageLoader): McpPipelineLoader =>
    async () => ({ handleMcpRequest: createMcpRequestHandler(stage) });

  it("refuses a bad credential without loading it, and answers an authenticated call 500, never served", async () => {
    const stage = failingFirst(() => import("../../src/http/serve-message"));
    const loader = withStage(stage.load);
    logs = captureLogs();
    expect((await call(loader, "/mcp", toolsList("Bearer not.a.token"))).status).toBe(401);
    expect(stage.state.calls).toBe(0);
    await expectFailedClosed(await call(loader, "/mcp", toolsList(`Bearer ${token}`)));
    expect(stage.state.calls).toBe(1);
    const retried = await call(loader, "/mcp", toolsList(`Bearer ${token}`));
    expect(retried.status).toBe(200);
  });
});
