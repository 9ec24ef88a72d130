/**
 * DNS rebinding (MCP transport spec, "Security Warning"; conformance scenario dns-rebinding-protection):
 * the server's own origin comes from OAUTH_AUDIENCE, never from the Host header, which a rebinding page
 * controls together with Origin. And CORS names exactly the headers clients send and we send back.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { AUDIENCE, mintToken } from "../../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, toolCall } from "../../support/worker";

let key: TestKey;
let workerEnv: Env;
let auth: Record<string, string>;

beforeAll(async () => {
  key = await createTestKey("rebinding");
  workerEnv = makeEnv(key);
  auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "rebind" } })}` };
});

/** A request as the browser sends it after `evil.example` was rebound to this server's address. */
function rebound(host: string, headers: Record<string, string>, body: unknown) {
  return callWorker(
    workerEnv,
    new Request(`http://${host}/mcp`, {
      method: "POST",
      headers: { ...MCP_HEADERS, host, ...headers },
      body: JSON.stringify(body),
    }),
  );
}

describe("Host/Origin rebinding", () => {
  it("refuses Host: evil.example with Origin: http://evil.example (403), executing nothing", async () => {
    const logs = captureLogs();
    try {
      const response = await rebound(
        "evil.example",
        { ...auth, origin: "http://evil.example" },
        toolCall("write_file", { path: "rebound.txt", content: "x" }),
      );
      expect(response.status).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(await env.FILES.head("files/rebind/rebound.txt")).toBeNull();
      expect(logs.records()).toContainEqual(expect.objectContaining({ kind: "security", type: "origin_refused" }));
    } finally {
      logs.restore();
    }
  });

  it("refuses the same attack as a 2025 initialize from an unauthenticated page (403, not 401)", async () => {
    const response = await rebound(
      "127.0.0.1:8787",
      { origin: "http://127.0.0.1:8787" },
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "page", version: "1" } },
      },
    );
    expect(response.status).toBe(403);
  });

  it("accepts the configured origin whatever the Host header says", async () => {
    const origin = new URL(AUDIENCE).origin;
    const response = await rebound("evil.example", { ...auth, origin }, toolCall("list_allowed_directories", {}));
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(origin);
  });

  it("does not consult Host for requests without Origin (server-side agents): authentication decides", async () => {
    const response = await rebound("evil.example", {}, toolCall("list_allowed_directories", {}));
    expect(response.status).toBe(401);
  });
});

describe("CORS lists", () => {
  const origin = "https://app.example.test";

  it("preflight allows the request headers MCP clients of both eras send", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,mcp-protocol-version,mcp-method,mcp-name",
      },
    });
    expect(response.status).toBe(204);
    const allowed = (response.headers.get("access-control-allow-headers") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase());
    expect(allowed).toEqual(
      expect.arrayContaining([
        "authorization",
        "dpop",
        "content-type",
        "accept",
        "mcp-protocol-version",
        "mcp-method",
        "mcp-name",
      ]),
    );
    expect(response.headers.get("access-control-allow-methods")).toBe("GET, POST, DELETE, OPTIONS");
  });

  it("exposes exactly the non-safelisted headers the server sends, and no session header", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, ...auth, origin },
      body: JSON.stringify(toolCall("list_allowed_directories", {})),
    });
    expect(response.status).toBe(200);
    const exposed = (response.headers.get("access-control-expose-headers") ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase());
    expect(exposed.sort()).toEqual(
      [
        "www-authenticate",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "retry-after",
        "x-request-id",
      ].sort(),
    );
    // The ones a successful call carries are really there.
    for (const name of ["x-request-id", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]) {
      expect(response.headers.get(name), name).not.toBeNull();
    }
    expect(response.headers.get("mcp-session-id")).toBeNull();
  });
});
