/**
 * Invariant 2: tokens, Authorization headers and file contents never appear in logs, error messages or
 * tool results. Captures every log line of a full session (successes, tool errors, auth failures, scope
 * refusals, path refusals, an outage) and searches them for the secrets used.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { faultyBucket } from "../support/faulty-bucket";
import { createTestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv, postMcp, toolCall } from "../support/worker";

const CONTENT = "CONTENT-CANARY-7f3a9c line one\nsecond line CONTENT-CANARY-7f3a9c\n";
const EDITED = "NEW-CONTENT-CANARY-b21e";

describe("log hygiene over a full session", () => {
  it("logs every request and security event, and no token, header or file content", async () => {
    const key = await createTestKey("hygiene");
    const workerEnv = makeEnv(key);
    const token = await mintToken({ key, claims: { sub: "hygiene-user" } });
    const readOnly = await mintToken({ key, claims: { sub: "hygiene-user", scope: "files:read" } });
    const expired = await mintToken({ key, claims: { sub: "hygiene-user", exp: 1_000 } });
    const foreignKey = await createTestKey("hygiene");
    const forged = await mintToken({ key: foreignKey, claims: { sub: "hygiene-user" } });

    const logs = captureLogs();
    const bodies: string[] = [];
    try {
      const client = await connectClient(workerEnv, token);
      await callTool(client, "write_file", { path: "notes/canary.txt", content: CONTENT });
      await callTool(client, "read_text_file", { path: "notes/canary.txt" });
      await callTool(client, "read_text_file", { path: "notes/canary.txt", head: 1 });
      await callTool(client, "write_file", { path: "notes/canary.txt", content: EDITED, ifMatch: "stale-etag" });
      await callTool(client, "write_file", { path: "../escape.txt", content: CONTENT });
      await callTool(client, "write_file", { path: "x", content: CONTENT, ifNoneMatch: "bogus" });
      await callTool(client, "list_directory", { path: "notes" });
      await callTool(client, "get_file_info", { path: "notes/canary.txt" });
      await callTool(client, "delete_file", { path: "notes/canary.txt" });
      for (const bad of [expired, forged, "not-a-jwt", `${token}x`]) {
        const response = await postMcp(workerEnv, toolCall("read_text_file", { path: "notes/canary.txt" }), {
          authorization: `Bearer ${bad}`,
        });
        bodies.push(await response.text(), JSON.stringify([...response.headers]));
      }
      const refused = await postMcp(workerEnv, toolCall("write_file", { path: "w.txt", content: CONTENT }), {
        authorization: `Bearer ${readOnly}`,
      });
      bodies.push(await refused.text(), JSON.stringify([...refused.headers]));
      const inQuery = await postMcp(workerEnv, toolCall("list_allowed_directories", {}), {});
      bodies.push(await inQuery.text());
      await env.FILES.put("files/hygiene-user/outage.txt", CONTENT);
      const outage = await postMcp(
        makeEnv(key, { FILES: faultyBucket(env.FILES, { fail: ["get", "head", "list"] }) }),
        toolCall("read_text_file", { path: "outage.txt" }),
        {
          authorization: `Bearer ${token}`,
        },
      );
      bodies.push(await outage.text());
    } finally {
      logs.restore();
    }

    const everything = [...logs.lines, ...bodies].join("\n");
    for (const secret of [
      token,
      readOnly,
      expired,
      forged,
      token.split(".")[2]!,
      "Bearer eyJ",
      "CONTENT-CANARY",
      EDITED,
    ]) {
      expect(everything, `leaked ${secret.slice(0, 12)}…`).not.toContain(secret);
    }
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);

    expect(logs.lineRecords().length).toBe(logs.lines.length); // every line is structured JSON
    // One line per request: refusals carry their security events inside the request line.
    expect(logs.lineRecords().map((r) => r.kind)).toEqual(logs.lines.map(() => "request"));
    const records = logs.records();
    const requests = records.filter((r) => r.kind === "request");
    expect(requests.length).toBeGreaterThanOrEqual(16);
    for (const request of requests) {
      expect(request).toEqual(
        expect.objectContaining({
          requestId: expect.any(String),
          status: expect.any(Number),
          durationMs: expect.any(Number),
          outcome: expect.any(String),
        }),
      );
    }
    const reasons = records.filter((r) => r.kind === "security").map((r) => `${r.type}:${r.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        "auth_failure:expired",
        "auth_failure:bad_signature",
        "auth_failure:malformed_token",
        "auth_failure:missing_credential",
        "scope_refused:insufficient_scope",
        "path_refused:dot_dot_segment",
        "dependency_unavailable:r2",
      ]),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        tool: "write_file",
        outcome: "tool_error",
        errorCode: "conflict",
        tenant: "hygiene-user",
      }),
    );
  });
});

describe("LOG_LEVEL=warn (sustained local load)", () => {
  it("writes no line for routine requests and exactly one, with its event, for each refusal", async () => {
    const key = await createTestKey("quiet");
    const workerEnv = makeEnv(key, { LOG_LEVEL: "warn" });
    const token = await mintToken({ key, claims: { sub: "quiet-user" } });
    const logs = captureLogs();
    try {
      const ok = await postMcp(
        workerEnv,
        { jsonrpc: "2.0", id: 1, method: "tools/list" },
        {
          authorization: `Bearer ${token}`,
        },
      );
      expect(ok.status).toBe(200);
      expect(logs.lines).toHaveLength(0);
      const refused = await postMcp(
        workerEnv,
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        {
          authorization: "Bearer not-a-jwt",
        },
      );
      expect(refused.status).toBe(401);
    } finally {
      logs.restore();
    }
    expect(logs.lineRecords()).toEqual([
      expect.objectContaining({
        kind: "request",
        status: 401,
        security: [expect.objectContaining({ type: "auth_failure", reason: "malformed_token" })],
      }),
    ]);
  });
});
