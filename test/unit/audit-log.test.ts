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

  it("reports the answer's duration when the line is written later (after the answer, in waitUntil)", () => {
    const lines: string[] = [];
    let now = 1_000;
    const log = createRequestLog(
      "req-late",
      () => now,
      (line) => lines.push(line),
    );
    const answeredAt = 1_030;
    now = 1_500;
    log.finish(200, "POST", "/mcp", "info", answeredAt);
    expect(JSON.parse(lines[0]!)).toMatchObject({ requestId: "req-late", durationMs: 30 });
  });

  it("writes security events inside the one request line, with their reason codes", () => {
    const lines: string[] = [];
    const log = createRequestLog("req-2", Date.now, (line) => lines.push(line));
    log.security({ type: "auth_failure", reason: "expired" });
    log.security({ type: "rate_limited", reason: "ip_auth_failures" });
    expect(lines).toHaveLength(0);
    log.finish(429, "POST", "/mcp");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      kind: "request",
      requestId: "req-2",
      status: 429,
      security: [
        { type: "auth_failure", reason: "expired" },
        { type: "rate_limited", reason: "ip_auth_failures" },
      ],
    });
  });

  it("writes an event raised after the request line (deferred work) as a line of its own", () => {
    const lines: string[] = [];
    const log = createRequestLog("req-3", Date.now, (line) => lines.push(line));
    log.set({ tenant: "alice", subject: "alice" });
    log.finish(200, "POST", "/mcp");
    log.security({ type: "degraded_decision", reason: "storage_release_lost" });
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty("security");
    expect(JSON.parse(lines[1]!)).toMatchObject({
      kind: "security",
      requestId: "req-3",
      tenant: "alice",
      type: "degraded_decision",
      reason: "storage_release_lost",
    });
  });

  it("at level warn leaves out routine requests but never refusals or server errors", () => {
    const lines: string[] = [];
    const finishWith = (status: number, event?: boolean) => {
      const log = createRequestLog(`req-${status}`, Date.now, (line) => lines.push(line));
      if (event) log.security({ type: "scope_refused", reason: "insufficient_scope" });
      log.finish(status, "POST", "/mcp", "warn");
    };
    finishWith(200);
    finishWith(404);
    expect(lines).toHaveLength(0);
    finishWith(403, true);
    finishWith(503);
    expect(lines.map((line) => JSON.parse(line).status)).toEqual([403, 503]);
  });

  it("masks JWT-shaped strings inside security events of the request line", () => {
    const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    const lines: string[] = [];
    const log = createRequestLog("req-4", Date.now, (line) => lines.push(line));
    log.security({ type: "internal_error", reason: "unhandled_exception", detail: `TypeError at ${jwt}` });
    log.set({ tool: jwt });
    log.finish(500, "POST", "/mcp");
    expect(lines[0]).not.toContain("eyJhbGciOiJFUzI1NiJ9");
    expect(JSON.parse(lines[0]!)).toMatchObject({
      tool: "[redacted-jwt]",
      security: [{ detail: "TypeError at [redacted-jwt]" }],
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
