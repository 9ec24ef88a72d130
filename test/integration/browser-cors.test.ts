/**
 * CORS for browser-only MCP clients on every route they call, not just /mcp: the RFC 9728 metadata (which
 * SDK clients fetch with `MCP-Protocol-Version`, so the browser preflights it), discovery (`/`), health,
 * unknown paths (so a client can read the 404 it falls back on) and the 405s of a stateless /mcp. An
 * allowed origin gets its preflight answered and can read the answer; any other origin gets 403 on every
 * one of them, preflight or not, with nothing in the answer it could use.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, ISSUER, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, toolCall } from "../support/worker";

const ALLOWED = "https://app.example.test";
const OWN = new URL(AUDIENCE).origin;
const PATHS = ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/", "/healthz"];

let workerEnv: Env;
let auth: Record<string, string>;

beforeAll(async () => {
  const key = await createTestKey("cors");
  workerEnv = makeEnv(key);
  auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub: "cors-user" } })}` };
});

function preflight(path: string, origin: string, method = "GET", headers = "mcp-protocol-version") {
  return callWorker(workerEnv, path, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });
}

function listOf(response: Response, header: string): string[] {
  return (response.headers.get(header) ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
}

describe("preflights from an allowed origin", () => {
  it.each(PATHS)("%s: 204 allowing GET and the MCP headers, for this origin only", async (path) => {
    for (const origin of [ALLOWED, OWN]) {
      const response = await preflight(path, origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      expect(response.headers.get("vary")).toContain("Origin");
      expect(listOf(response, "access-control-allow-methods")).toContain("get");
      expect(listOf(response, "access-control-allow-headers")).toEqual(
        expect.arrayContaining(["mcp-protocol-version", "mcp-method", "mcp-name", "authorization", "dpop"]),
      );
      expect(response.headers.get("access-control-allow-credentials")).toBeNull();
      expect(await response.text()).toBe("");
    }
  });

  it("/mcp: POST, and GET/DELETE so the 405 is readable, with Last-Event-ID", async () => {
    const response = await preflight("/mcp", ALLOWED, "GET", "authorization,last-event-id,mcp-protocol-version");
    expect(response.status).toBe(204);
    expect(listOf(response, "access-control-allow-methods")).toEqual(expect.arrayContaining(["get", "post", "delete"]));
    expect(listOf(response, "access-control-allow-headers")).toEqual(
      expect.arrayContaining([
        "last-event-id",
        "authorization",
        "content-type",
        "mcp-protocol-version",
        "mcp-param-path",
      ]),
    );
  });

  it("a path that does not exist: the preflight passes so the client can read the 404", async () => {
    const response = await preflight("/.well-known/oauth-authorization-server", ALLOWED);
    expect(response.status).toBe(204);
    const notFound = await callWorker(workerEnv, "/.well-known/oauth-authorization-server", {
      headers: { origin: ALLOWED, "mcp-protocol-version": "2025-11-25" },
    });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(await notFound.json()).toMatchObject({ error: "not_found" });
  });

  it("OPTIONS without Origin is no preflight: 204 with Allow, no CORS headers", async () => {
    const response = await callWorker(workerEnv, "/.well-known/oauth-protected-resource/mcp", { method: "OPTIONS" });
    expect(response.status).toBe(204);
    expect(response.headers.get("allow")).toBe("GET, OPTIONS");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("the answers an allowed origin reads", () => {
  it("the metadata, with its origin echoed (never *) and Vary: Origin", async () => {
    const response = await callWorker(workerEnv, "/.well-known/oauth-protected-resource/mcp", {
      headers: { origin: ALLOWED, "mcp-protocol-version": "2025-11-25" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("vary")).toContain("Origin");
    expect(await response.json()).toMatchObject({ resource: AUDIENCE, authorization_servers: [ISSUER] });
  });

  it("the metadata without Origin: no CORS headers, still Vary: Origin for shared caches", async () => {
    const response = await callWorker(workerEnv, "/.well-known/oauth-protected-resource/mcp");
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it.each(["GET", "DELETE"])("%s /mcp: the 405 carries CORS headers", async (method) => {
    const response = await callWorker(workerEnv, "/mcp", { method, headers: { ...auth, origin: ALLOWED } });
    expect(response.status).toBe(405);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
  });
});

describe("a disallowed origin", () => {
  const refused = ["https://evil.example", "null", `${ALLOWED}.evil.example`, "http://app.example.test"];

  it.each(PATHS)("%s: 403 for preflight and request, plain JSON, no CORS, no metadata", async (path) => {
    for (const origin of refused) {
      const logs = captureLogs();
      try {
        for (const response of [
          await preflight(path, origin),
          await callWorker(workerEnv, path, { headers: { origin } }),
        ]) {
          expect(response.status, `${origin} ${path}`).toBe(403);
          expect(response.headers.get("access-control-allow-origin")).toBeNull();
          const body = await response.text();
          expect(JSON.parse(body)).toMatchObject({ error: "origin_not_allowed" });
          expect(JSON.parse(body).error_description).toContain("ALLOWED_ORIGINS");
          expect(body).not.toContain(ISSUER);
        }
        expect(logs.records()).toContainEqual(expect.objectContaining({ kind: "security", type: "origin_refused" }));
        // The request line names the route that was knocked on, not a catch-all.
        expect(logs.records()).toContainEqual(expect.objectContaining({ kind: "request", route: path, status: 403 }));
      } finally {
        logs.restore();
      }
    }
  });

  it("/mcp preflight and GET: 403 in a JSON-RPC envelope, logged for route /mcp", async () => {
    const logs = captureLogs();
    try {
      for (const response of [
        await preflight("/mcp", "https://evil.example", "POST"),
        await callWorker(workerEnv, "/mcp", { headers: { origin: "https://evil.example" } }),
      ]) {
        expect(response.status).toBe(403);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
        expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
      }
      const lines = logs.records().filter((record) => record.kind === "request");
      expect(lines.map((line) => [line.httpMethod, line.route, line.status])).toEqual([
        ["OPTIONS", "/mcp", 403],
        ["GET", "/mcp", 403],
      ]);
    } finally {
      logs.restore();
    }
  });

  it("an unknown path: 403, not a 404 it could tell apart", async () => {
    const response = await callWorker(workerEnv, "/nothing-here", { headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(403);
  });

  it("a server-side agent (no Origin) is not affected", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, ...auth },
      body: JSON.stringify(toolCall("list_allowed_directories", {})),
    });
    expect(response.status).toBe(200);
  });
});

describe("a broken configuration", () => {
  it("answers a browser's metadata request 503 naming the variable, in the plain shape", async () => {
    const broken = makeEnv(await createTestKey("cors-broken"), { OAUTH_AUDIENCE: undefined });
    const response = await callWorker(broken, "/.well-known/oauth-protected-resource/mcp", {
      headers: { origin: ALLOWED },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
  });
});
