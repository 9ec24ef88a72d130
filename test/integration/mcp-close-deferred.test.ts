/**
 * The per-request MCP server and transport are closed after the answer (ctx.waitUntil), not before
 * it: the answer is complete JSON once produced. Without a `defer`, closing is awaited as before.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/audit/audit-log";
import { createRequestAudit, requestOriginOf } from "../../src/audit/request-audit";
import type { Principal } from "../../src/auth/principal";
import { toCaller } from "../../src/http/authorize";
import { handleMcpPost } from "../../src/mcp/handle-mcp-post";
import { createMemoryUsedConfirmations } from "../../src/policy/confirmation";
import { SCOPES_ONLY_POLICY } from "../../src/policy/policy";
import { Sandbox } from "../../src/sandbox/sandbox";
import { TOOLS } from "../../src/tools/registry";
import { testGate } from "../support/gate";
import { MCP_HEADERS } from "../support/worker";

const principal: Principal = {
  subject: "close-user",
  tenant: "close-user",
  scopes: new Set(["files:read"]),
  roles: [],
  clientId: undefined,
  authTime: undefined,
  acr: undefined,
  credentialKind: "jwt",
  certificateThumbprint: undefined,
  expiresAt: 4_102_444_800,
};

function exchange(defer?: (work: Promise<unknown>) => void) {
  const gate = testGate();
  const message = { jsonrpc: "2.0", id: 7, method: "tools/list", params: {} };
  const request = new Request("https://files.example.test/mcp", {
    method: "POST",
    headers: MCP_HEADERS,
    body: JSON.stringify(message),
  });
  return {
    request,
    audit: createRequestAudit("req-close", requestOriginOf(request)),
    message,
    legacy: true,
    principal,
    sandbox: new Sandbox(env.FILES, principal.tenant, { gate }),
    gate,
    log: createRequestLog("req-close", Date.now, () => {}),
    listed: TOOLS,
    call: undefined,
    decision: undefined,
    policy: SCOPES_ONLY_POLICY,
    caller: toCaller(principal),
    confirmationSecret: undefined,
    usedConfirmations: createMemoryUsedConfirmations(),
    defer,
  };
}

describe("closing the per-request MCP server", () => {
  it("is handed to ctx.waitUntil and the answer is already complete", async () => {
    const deferred: Promise<unknown>[] = [];
    const response = await handleMcpPost(exchange((work) => deferred.push(work)));
    expect(deferred).toHaveLength(1);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: number; result: { tools: { name: string }[] } };
    expect(body.id).toBe(7);
    expect(body.result.tools.map((tool) => tool.name)).toContain("read_text_file");
    await expect(Promise.all(deferred)).resolves.toBeDefined();
  });

  it("is awaited when there is nowhere to defer it", async () => {
    const response = await handleMcpPost(exchange());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: number }).id).toBe(7);
  });
});
