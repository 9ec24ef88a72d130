/**
 * The tool seam's own guarantees, driven directly (the HTTP layer's 403 would otherwise hide them):
 * whatever admitted the call, a caller without the tool's scope (re-checked with the policy's own
 * function) gets `[forbidden]`; a call without an "allow" decision for that very tool never runs; the
 * tool never runs, nothing reaches R2, and the refusal is logged. This is the check a new entry point
 * into `runTool` (another transport, a resource, a batch) would rely on.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/audit/audit-log";
import { createRequestAudit } from "../../src/audit/request-audit";
import type { Principal } from "../../src/auth/principal";
import { toCaller } from "../../src/http/authorize";
import { runTool, type SeamContext } from "../../src/mcp/tool-seam";
import { createMemoryUsedConfirmations } from "../../src/policy/confirmation";
import type { ToolDecision } from "../../src/policy/decide";
import { parsePolicy, SCOPES_ONLY_POLICY } from "../../src/policy/policy";
import { Sandbox } from "../../src/sandbox/sandbox";
import { findTool } from "../../src/tools/registry";
import { parseToolCall, type ToolCall } from "../../src/tools/tool-call";
import type { ToolDefinition } from "../../src/tools/tool-definition";
import { testGate } from "../support/gate";

function principal(tenant: string, scopes: string[], roles: string[] = []): Principal {
  return {
    subject: `${tenant}-user`,
    tenant,
    scopes: new Set(scopes),
    roles,
    clientId: undefined,
    authTime: undefined,
    acr: undefined,
    credentialKind: "jwt",
    certificateThumbprint: undefined,
    expiresAt: 4_102_444_800,
  };
}

function parsed(tool: ToolDefinition, args: unknown): Exclude<ToolCall, { kind: "unknown" }> {
  const call = parseToolCall(
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: tool.name, arguments: args } },
    (name) => (name === tool.name ? tool : undefined),
  );
  if (!call || call.kind === "unknown") throw new Error("not a call");
  return call;
}

const allow = (tool: string): ToolDecision => ({
  tool,
  decision: { effect: "allow", rule: "scope:files:write", conditions: [] },
});

function seam(
  tenant: string,
  scopes: string[],
  decision: ToolDecision | undefined,
  options: { roles?: string[]; policy?: SeamContext["policy"] } = {},
) {
  const lines: Record<string, unknown>[] = [];
  const log = createRequestLog(
    "req-seam",
    () => 0,
    (line) => lines.push(JSON.parse(line)),
  );
  const who = principal(tenant, scopes, options.roles);
  const audit = createRequestAudit("req-seam", {}, { now: () => 0 });
  const gate = testGate();
  const context: Omit<SeamContext, "call"> = {
    principal: who,
    sandbox: new Sandbox(env.FILES, tenant, { gate }),
    gate,
    log,
    audit,
    outcome: {},
    decision,
    policy: options.policy ?? SCOPES_ONLY_POLICY,
    caller: toCaller(who),
    channel: { canAsk: false, codec: undefined, used: createMemoryUsedConfirmations() },
  };
  return { context: { ...context, call: undefined }, lines, audit };
}

async function storedKeys(): Promise<string[]> {
  return (await env.FILES.list()).objects.map((object) => object.key);
}

describe("tool seam scope check", () => {
  it("refuses a write without files:write on its own: [forbidden], nothing stored, the missing scope logged", async () => {
    const { context, lines, audit } = seam("seam-a", ["files:read"], allow("write_file"));
    const before = await storedKeys();
    const result = await runTool(parsed(findTool("write_file")!, { path: "notes.md", content: "hello" }), context);
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: "[forbidden] This tool needs the files:write scope." }]);
    expect(await storedKeys()).toEqual(before);
    // Security events travel in the request's one log line.
    context.log.finish(200, "POST", "/mcp");
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "request",
        security: [expect.objectContaining({ type: "scope_refused", tool: "write_file", scope: "files:write" })],
      }),
    );
    // The audit trail gets the refused call with the path it named and the scope that decided.
    const [event] = audit.finish(200, "POST", "/mcp");
    expect(event).toMatchObject({
      class_uid: 6006,
      activity_id: 1,
      status: "Failure",
      file: { path: "/notes.md" },
      actor: { authorizations: [{ decision: "denied", policy: { uid: "scope:files:write" } }] },
    });
  });

  it("refuses before the input is parsed or the tool runs, for every scope", async () => {
    for (const scope of ["files:read", "files:write", "files:delete"] as const) {
      let ran = false;
      const tool: ToolDefinition = {
        ...findTool("get_file_info")!,
        name: `probe_${scope.replace(":", "_")}`,
        scope,
        async run() {
          ran = true;
          return { content: [] };
        },
      };
      const others = ["files:read", "files:write", "files:delete"].filter((s) => s !== scope);
      const { context } = seam("seam-b", others, allow(tool.name));
      // Invalid arguments too: a caller without the scope learns about the scope, not about its input.
      const result = await runTool(parsed(tool, { unexpected: true }), context);
      expect(result.content).toEqual([{ type: "text", text: `[forbidden] This tool needs the ${scope} scope.` }]);
      expect(ran).toBe(false);
    }
  });

  it("re-checks the effective scopes: a role that does not entitle to the scope is refused", async () => {
    const policy = parsePolicy(JSON.stringify({ version: 1, roles: { viewer: ["files:read"] } }));
    if (!policy.ok) throw new Error(policy.problem);
    const { context } = seam("seam-d", ["files:read", "files:write"], allow("write_file"), {
      roles: ["viewer"],
      policy: policy.policy,
    });
    const result = await runTool(parsed(findTool("write_file")!, { path: "notes.md", content: "hello" }), context);
    expect(result.content).toEqual([{ type: "text", text: "[forbidden] This tool needs the files:write scope." }]);
    expect((await storedKeys()).some((key) => key.includes("seam-d"))).toBe(false);
  });

  it("runs the tool when the scope is held (the refusal above is the scope's doing)", async () => {
    const { context } = seam("seam-c", ["files:write"], allow("write_file"));
    const result = await runTool(parsed(findTool("write_file")!, { path: "notes.md", content: "hello" }), context);
    expect(result.isError).toBeUndefined();
    expect((await storedKeys()).some((key) => key.includes("seam-c"))).toBe(true);
  });
});

describe("tool seam decision check", () => {
  it.each<[string, ToolDecision | undefined]>([
    ["no decision", undefined],
    ["a decision for another tool", allow("create_directory")],
  ])("%s: nothing runs (an internal error, not a refusal the caller could work around)", async (_name, decision) => {
    const { context, lines } = seam("seam-e", ["files:write"], decision);
    await expect(
      runTool(parsed(findTool("write_file")!, { path: "notes.md", content: "hello" }), context),
    ).rejects.toThrow(/Internal error/);
    expect((await storedKeys()).some((key) => key.includes("seam-e"))).toBe(false);
    // Security events travel in the request's one log line.
    context.log.finish(500, "POST", "/mcp");
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "request",
        security: [expect.objectContaining({ type: "internal_error" })],
      }),
    );
  });

  it("a refusing decision is answered as a tool error naming the rule; nothing runs", async () => {
    const { context } = seam("seam-f", ["files:write"], {
      tool: "write_file",
      decision: { effect: "deny", rule: "no-notes", action: "write", path: "notes.md" },
    });
    const result = await runTool(parsed(findTool("write_file")!, { path: "notes.md", content: "hello" }), context);
    expect(result.content).toEqual([
      { type: "text", text: "[policy_denied] The access policy does not allow write on /notes.md (rule no-notes)." },
    ]);
    expect((await storedKeys()).some((key) => key.includes("seam-f"))).toBe(false);
  });
});
