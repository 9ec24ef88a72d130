import { describe, expect, it } from "vitest";
import { createRequestLog, redact } from "../../src/audit/audit-log";

describe("audit log", () => {
  it("writes one request line with the request fields and duration", () => {
    const lines: string[] = [];
    let now = 1_000;
    const log = createRequestLog(
      "req-1",
      () => now,
      (line) => lines.push(line),
    );
    log.set({ tenant: "alice", rpcMethod: "tools/call", tool: "read_text_file", outcome: "ok" });
    now = 1_042;
    log.finish(200, "POST", "/mcp");
    log.finish(200, "POST", "/mcp");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      kind: "request",
      requestId: "req-1",
      tenant: "alice",
      rpcMethod: "tools/call",
      tool: "read_text_file",
      outcome: "ok",
      status: 200,
      durationMs: 42,
    });
  });

  it("writes security events with their reason code", () => {
    const lines: string[] = [];
    const log = createRequestLog("req-2", Date.now, (line) => lines.push(line));
    log.security({ type: "auth_failure", reason: "expired" });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      kind: "security",
      type: "auth_failure",
      reason: "expired",
      requestId: "req-2",
    });
  });

  it("drops credential and content fields and masks JWT-shaped strings", () => {
    const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    const clean = redact({
      authorization: "Bearer x",
      Authorization: "Bearer x",
      accessToken: "x",
      cookie: "c",
      apiKey: "k",
      api_key: "k",
      content: "file body",
      detail: `failed with ${jwt}`,
      tenant: "alice",
    });
    expect(clean).toEqual({ detail: "failed with [redacted-jwt]", tenant: "alice" });
  });
});
