/**
 * Paths outside /mcp answer plain JSON (`{"error", "error_description"}`), the shape OAuth clients and
 * people parse, never a JSON-RPC envelope; `GET /` says what this server is and where to start. A token
 * minted for another audience (another dev port) is told so, naming only our own public values.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, ISSUER, mintToken } from "../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../support/worker";

const METADATA_URL = "https://files.example.test/.well-known/oauth-protected-resource/mcp";

let key: TestKey;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("plain");
  workerEnv = makeEnv(key);
});

describe("GET /", () => {
  it("describes the server and points at the MCP endpoint and its metadata", async () => {
    const response = await callWorker(workerEnv, "/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      name: "r2-files-mcp",
      mcp_endpoint: AUDIENCE,
      protected_resource_metadata: METADATA_URL,
      authorization_servers: [ISSUER],
      health: "https://files.example.test/healthz",
    });
    expect(body).not.toHaveProperty("jsonrpc");
    expect(JSON.stringify(body)).not.toContain('"keys"');
  });

  it("answers a plain JSON 503 naming the variable when the server is misconfigured", async () => {
    const response = await callWorker(makeEnv(key, { OAUTH_AUDIENCE: undefined }), "/");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).not.toBeNull();
    const body = (await response.json()) as Record<string, string>;
    expect(body.error).toBe("temporarily_unavailable");
    expect(body.error_description).toContain("OAUTH_AUDIENCE");
    expect(body).not.toHaveProperty("jsonrpc");
  });
});

describe("unknown paths and metadata errors", () => {
  it.each(["/nope", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration", "/mcp/extra"])(
    "GET %s → 404 plain JSON",
    async (path) => {
      const response = await callWorker(workerEnv, path);
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({ error: "not_found", error_description: expect.stringContaining("POST /mcp") });
    },
  );

  it("POST to an unknown path is a plain 404 too, not a JSON-RPC error", async () => {
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {});
    expect(response.status).toBe(401); // control: /mcp itself speaks JSON-RPC
    const other = await callWorker(workerEnv, "/register", { method: "POST", body: "{}" });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: "not_found" });
  });

  it("the metadata endpoint's misconfiguration error is plain JSON", async () => {
    const broken = makeEnv(key, { OAUTH_ISSUER: "" });
    const response = await callWorker(broken, "/.well-known/oauth-protected-resource/mcp");
    expect(response.status).toBe(503);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toEqual({
      error: "temporarily_unavailable",
      error_description: expect.stringContaining("OAUTH_ISSUER"),
    });
  });

  it("/mcp keeps its JSON-RPC envelope for the same misconfiguration", async () => {
    const broken = makeEnv(key, { OAUTH_ISSUER: "" });
    const response = await postMcp(broken, toolCall("list_allowed_directories", {}));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000 } });
  });
});

describe("a token minted for another server", () => {
  it("wrong audience → 401 whose error_description names our audience, never the token's", async () => {
    const foreignAudience = "http://127.0.0.1:8799/mcp";
    const token = await mintToken({ key, claims: { aud: foreignAudience } });
    const logs = captureLogs();
    let response: Response;
    let text: string;
    try {
      response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
        authorization: `Bearer ${token}`,
      });
      text = await response.text();
    } finally {
      logs.restore();
    }
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      `error_description="The access token is for another audience; this server accepts only aud ${AUDIENCE}"`,
    );
    expect(JSON.parse(text).error.message).toContain(`accepts only aud ${AUDIENCE}`);
    for (const echoed of [challenge, text]) {
      expect(echoed).not.toContain(foreignAudience);
      expect(echoed).not.toContain(token);
    }
    expect(logs.records()).toContainEqual(expect.objectContaining({ type: "auth_failure", reason: "wrong_audience" }));
  });

  it("wrong issuer → 401 whose error_description names the issuer we trust, never the token's", async () => {
    const token = await mintToken({ key, claims: { iss: "http://127.0.0.1:8800" } });
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain(
      `error_description="The access token is from another issuer; this server trusts only ${ISSUER}"`,
    );
    expect(challenge).not.toContain("8800");
  });

  it("a bad signature stays generic: no error_description", async () => {
    const other = await createTestKey("plain");
    const token = await mintToken({ key: other });
    const response = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).not.toContain("error_description");
  });
});
