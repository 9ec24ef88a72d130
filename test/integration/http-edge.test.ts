/**
 * Protocol and edge behaviour over raw HTTP: methods, body cap, batches, malformed JSON, Origin policy,
 * CORS, protocol version header, metadata, health, request ids, configuration failures.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, ISSUER, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, postMcp, toolCall } from "../support/worker";

let key: TestKey;
let workerEnv: Env;
let token: string;
let auth: Record<string, string>;

beforeAll(async () => {
  key = await createTestKey("edge");
  workerEnv = makeEnv(key, { MAX_REQUEST_BYTES: "4096" });
  token = await mintToken({ key, claims: { sub: "edge-user" } });
  auth = { authorization: `Bearer ${token}` };
});

async function jsonRpcError(response: Response): Promise<{ code: number; message: string }> {
  const body = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe("2.0");
  return body.error;
}

describe("methods on /mcp", () => {
  it.each(["GET", "DELETE"])("%s answers 405 with Allow: POST (stateless, no sessions)", async (method) => {
    const response = await callWorker(workerEnv, "/mcp", { method, headers: { ...auth, accept: "text/event-stream" } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("POST");
    expect((await jsonRpcError(response)).code).toBe(-32000);
  });

  it("never issues a session id", async () => {
    const response = await postMcp(
      workerEnv,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
      auth,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    const body = (await response.json()) as { result: { protocolVersion: string; serverInfo: { name: string } } };
    expect(body.result.protocolVersion).toBe("2025-11-25");
    expect(body.result.serverInfo.name).toBe("r2-files-mcp");
  });

  it("answers unknown routes with 404", async () => {
    expect((await callWorker(workerEnv, "/nope")).status).toBe(404);
  });
});

describe("request bodies", () => {
  it("refuses a JSON-RPC batch with 400 and -32600, executing nothing", async () => {
    const response = await postMcp(
      workerEnv,
      [
        toolCall("write_file", { path: "batch.txt", content: "x" }, 1),
        toolCall("write_file", { path: "batch2.txt", content: "x" }, 2),
      ],
      auth,
    );
    expect(response.status).toBe(400);
    expect((await jsonRpcError(response)).code).toBe(-32600);
    expect(await env.FILES.head("files/edge-user/batch.txt")).toBeNull();
  });

  it.each(["{not json", '{"jsonrpc":"2.0",', ""])("refuses malformed JSON %j with 400 and -32700", async (body) => {
    const response = await postMcp(workerEnv, body, auth);
    expect(response.status).toBe(400);
    expect((await jsonRpcError(response)).code).toBe(-32700);
  });

  it.each([42, '"a string"', "null"])("refuses a non-object message %j with 400", async (body) => {
    const response = await postMcp(workerEnv, String(body), auth);
    expect(response.status).toBe(400);
  });

  it("refuses a declared body past the id scan (4× the cap) with 413 before authentication", async () => {
    const logs = captureLogs();
    try {
      const response = await callWorker(workerEnv, "/mcp", {
        method: "POST",
        headers: { ...MCP_HEADERS, "content-length": String(4 * 4096 + 1) },
        body: "x".repeat(4 * 4096 + 1),
      });
      expect(response.status).toBe(413);
      expect((await jsonRpcError(response)).code).toBe(-32000);
      expect(logs.records().some((r) => r.type === "auth_failure")).toBe(false);
    } finally {
      logs.restore();
    }
  });

  it("answers a call over the cap with a JSON-RPC error for that call, naming the cap and append_file", async () => {
    // The SDKs put the id last: it is recovered from the body's end, the middle is read and dropped.
    const call = {
      method: "tools/call",
      params: { name: "write_file", arguments: { path: "big.txt", content: "b".repeat(9000) } },
      jsonrpc: "2.0",
      id: 77,
    };
    const response = await postMcp(workerEnv, call, auth);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBe(77);
    expect(body.error.code).toBe(-32000);
    expect(body.error.message).toMatch(/at most 4096 bytes per request.*nothing was run.*append_file/);
    expect(await env.FILES.head("files/edge-user/big.txt")).toBeNull();
  });

  it("authenticates before reading an oversized body: no token, 401", async () => {
    const call = toolCall("write_file", { path: "anon.txt", content: "b".repeat(9000) });
    const response = await postMcp(workerEnv, call, {});
    expect(response.status).toBe(401);
  });

  it("cuts off a streamed body as soon as it passes the id scan (4× the cap), with 413", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 100) controller.close();
        else controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
      },
    });
    const response = await callWorker(
      workerEnv,
      new Request(new URL("/mcp", AUDIENCE), {
        method: "POST",
        headers: { ...MCP_HEADERS, ...auth },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(4 * 4 + 4);
  });

  it("refuses a body longer than its declared length when no HTTP framing enforced it", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(
            JSON.stringify(toolCall("write_file", { path: "liar.txt", content: "z".repeat(5000) })),
          ),
        );
        controller.close();
      },
    });
    const response = await callWorker(
      workerEnv,
      new Request(new URL("/mcp", AUDIENCE), {
        method: "POST",
        headers: { ...MCP_HEADERS, ...auth, "content-length": "100" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect((await jsonRpcError(response)).code).toBe(-32000);
    expect(await env.FILES.head("files/edge-user/liar.txt")).toBeNull();
  });

  it("accepts a body just under the cap", async () => {
    const content = "y".repeat(3000);
    const response = await postMcp(workerEnv, toolCall("write_file", { path: "under-cap.txt", content }), auth);
    expect(response.status).toBe(200);
    expect(await env.FILES.head("files/edge-user/under-cap.txt")).not.toBeNull();
  });

  it("answers a notification with 202 and no body", async () => {
    const response = await postMcp(workerEnv, { jsonrpc: "2.0", method: "notifications/initialized" }, auth);
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("requires the streamable-HTTP Accept header (406) and a JSON content type (415)", async () => {
    expect(
      (await postMcp(workerEnv, toolCall("list_allowed_directories", {}), { ...auth, accept: "application/json" }))
        .status,
    ).toBe(406);
    expect(
      (await postMcp(workerEnv, toolCall("list_allowed_directories", {}), { ...auth, "content-type": "text/plain" }))
        .status,
    ).toBe(415);
  });
});

describe("MCP-Protocol-Version header", () => {
  it("accepts a supported version and a missing header (assumed 2025-03-26)", async () => {
    expect(
      (
        await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
          ...auth,
          "mcp-protocol-version": "2025-06-18",
        })
      ).status,
    ).toBe(200);
    const headers: Record<string, string> = { ...MCP_HEADERS, ...auth };
    delete headers["mcp-protocol-version"];
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers,
      body: JSON.stringify(toolCall("list_allowed_directories", {})),
    });
    expect(response.status).toBe(200);
  });

  it("refuses an unsupported version with 400", async () => {
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
      ...auth,
      "mcp-protocol-version": "1999-01-01",
    });
    expect(response.status).toBe(400);
  });
});

describe("Origin policy (DNS-rebinding protection) and CORS", () => {
  it.each(["https://evil.example", "null", "https://files.example.test.evil.example", "http://files.example.test"])(
    "refuses Origin %s with 403 before authentication, executing nothing",
    async (origin) => {
      const logs = captureLogs();
      try {
        const response = await postMcp(workerEnv, toolCall("write_file", { path: "origin.txt", content: "x" }), {
          ...auth,
          origin,
        });
        expect(response.status).toBe(403);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
        expect(await env.FILES.head("files/edge-user/origin.txt")).toBeNull();
        expect(logs.records()).toContainEqual(expect.objectContaining({ kind: "security", type: "origin_refused" }));
      } finally {
        logs.restore();
      }
    },
  );

  it("allows the server's own origin and configured origins, with CORS headers", async () => {
    for (const origin of [new URL(AUDIENCE).origin, "https://app.example.test"]) {
      const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), { ...auth, origin });
      expect(response.status).toBe(200);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("access-control-expose-headers")).toContain("WWW-Authenticate");
      expect(response.headers.get("vary")).toContain("Origin");
    }
  });

  it("lets an allowed browser origin read the 401 challenge", async () => {
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
      origin: "https://app.example.test",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.test");
  });

  it("answers preflight for allowed origins only", async () => {
    const allowed = await callWorker(workerEnv, "/mcp", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.test", "access-control-request-method": "POST" },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("Authorization");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("MCP-Protocol-Version");
    const refused = await callWorker(workerEnv, "/mcp", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example" },
    });
    expect(refused.status).toBe(403);
  });

  it("lets requests without Origin (server-side agents) through to authentication", async () => {
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}));
    expect(response.status).toBe(401);
  });
});

describe("discovery and health", () => {
  it.each(["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"])(
    "serves RFC 9728 metadata at %s",
    async (path) => {
      const response = await callWorker(workerEnv, path);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({
        resource: AUDIENCE,
        authorization_servers: [ISSUER],
        scopes_supported: ["files:read", "files:write", "files:delete"],
        bearer_methods_supported: ["header"],
        dpop_signing_alg_values_supported: [
          "RS256",
          "RS384",
          "RS512",
          "PS256",
          "PS384",
          "PS512",
          "ES256",
          "ES384",
          "ES512",
          "EdDSA",
        ],
        tls_client_certificate_bound_access_tokens: true,
        resource_name: "R2 Files MCP server",
      });
    },
  );

  it("serves /healthz without authentication or secrets", async () => {
    const response = await callWorker(workerEnv, "/healthz");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: "ok" });
    expect(text).not.toContain("keys");
  });

  it("gives every response a request id that matches its log line", async () => {
    const logs = captureLogs();
    try {
      const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), auth);
      const requestId = response.headers.get("x-request-id");
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(logs.records()).toContainEqual(
        expect.objectContaining({
          kind: "request",
          requestId,
          status: 200,
          tool: "list_allowed_directories",
          outcome: "ok",
        }),
      );
    } finally {
      logs.restore();
    }
  });
});

describe("missing production configuration fails closed", () => {
  it.each([
    ["OAUTH_ISSUER", { OAUTH_ISSUER: undefined }],
    ["OAUTH_AUDIENCE", { OAUTH_AUDIENCE: "" }],
    ["OAUTH_JWKS_URL", { OAUTH_JWKS: undefined }],
    ["OAUTH_JWKS", { OAUTH_JWKS: "not json" }],
  ])("answers 503 naming %s, on /mcp, metadata and health", async (variable, overrides) => {
    const broken = makeEnv(key, overrides as Partial<Env>);
    const logs = captureLogs();
    try {
      const response = await postMcp(broken, toolCall("write_file", { path: "misconfigured.txt", content: "x" }), auth);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).not.toBeNull();
      expect((await jsonRpcError(response)).message).toContain(variable);
      expect(await env.FILES.head("files/edge-user/misconfigured.txt")).toBeNull();
      expect((await callWorker(broken, "/.well-known/oauth-protected-resource/mcp")).status).toBe(503);
      const health = await callWorker(broken, "/healthz");
      expect(health.status).toBe(503);
      expect(await health.json()).toEqual({ status: "misconfigured", variable });
      expect(logs.records()).toContainEqual(expect.objectContaining({ type: "config_error", reason: variable }));
    } finally {
      logs.restore();
    }
  });
});
