/**
 * A 2025-era exchange's per-request MCP server and transport: the answer is complete JSON once
 * produced, and the server is dropped with it (not closed, src/mcp/handle-mcp-post.ts), so exchanges
 * in a row and side by side each get their own answer.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/audit/audit-log";
import { createRequestAudit, requestOriginOf } from "../../src/audit/request-audit";
import { toCaller } from "../../src/http/authorize";
import { handleMcpPost } from "../../src/mcp/handle-mcp-post";
import { createMemoryUsedConfirmations } from "../../src/policy/confirmation";
import { SCOPES_ONLY_POLICY } from "../../src/policy/policy";
import { Sandbox } from "../../src/sandbox/sandbox";
import { TOOLS } from "../../src/tools/registry";
import { testGate } from "../support/gate";
import { testPrincipal } from "../support/principal";
import { MCP_HEADERS } from "../support/worker";

const principal = testPrincipal({ subject: "close-user", expiresAt: 4_102_444_800 });

function exchange(id = 7) {
  const gate = testGate();
  const message = { jsonrpc: "2.0", id, method: "tools/list", params: {} };
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
  };
}

describe("the per-request MCP server of a 2025-era exchange", () => {
  it("answers with complete JSON", async () => {
    const response = await handleMcpPost(exchange());
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: number; result: { tools: { name: string }[] } };
    expect(body.id).toBe(7);
    expect(body.result.tools.map((tool) => tool.name)).toContain("read_text_file");
  });

  it("gives each exchange its own answer, in a row and side by side", async () => {
    const ids = [1, 2, 3, 4, 5, 6];
    const answers = await Promise.all(ids.map((id) => handleMcpPost(exchange(id))));
    answers.push(await handleMcpPost(exchange(8)));
    const bodies = (await Promise.all(answers.map((response) => response.json()))) as { id: number }[];
    expect(bodies.map((body) => body.id)).toEqual([...ids, 8]);
  });
});
