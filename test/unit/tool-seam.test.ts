/**
 * The tool seam's own guarantees, driven directly (the HTTP layer's 403 would otherwise hide them):
 * whatever admitted the call, a principal without the tool's scope gets `[forbidden]`, the tool never
 * runs, nothing reaches R2, and the refusal is logged with the scope it lacked. This is the check a new
 * entry point into `runTool` (another transport, a resource, a batch) would rely on.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/audit/audit-log";
import { createRequestAudit } from "../../src/audit/request-audit";
import type { Principal } from "../../src/auth/principal";
import { runTool } from "../../src/mcp/tool-seam";
import { Sandbox } from "../../src/sandbox/sandbox";
import { findTool } from "../../src/tools/registry";
import type { ToolDefinition } from "../../src/tools/tool-definition";

function principal(tenant: string, scopes: string[]): Principal {
  return {
    subject: `${tenant}-user`,
    tenant,
    scopes: new Set(scopes),
    roles: [],
    clientId: undefined,
    authTime: undefined,
    credentialKind: "jwt",
    certificateThumbprint: undefined,
    expiresAt: 4_102_444_800,
  };
}

function seam(tenant: string, scopes: string[]) {
  const lines: Record<string, unknown>[] = [];
  const log = createRequestLog(
    "req-seam",
    () => 0,
    (line) => lines.push(JSON.parse(line)),
  );
  const sandbox = new Sandbox(env.FILES, tenant);
  const audit = createRequestAudit("req-seam", {}, { now: () => 0 });
  return { context: { principal: principal(tenant, scopes), sandbox, log, audit, outcome: {} }, lines, audit };
}

async function storedKeys(): Promise<string[]> {
  return (await env.FILES.list()).objects.map((object) => object.key);
}

describe("tool seam scope check", () => {
  it("refuses a write without files:write on its own: [forbidden], nothing stored, the missing scope logged", async () => {
    const { context, lines, audit } = seam("seam-a", ["files:read"]);
    const before = await storedKeys();
    const result = await runTool(findTool("write_file")!, { path: "notes.md", content: "hello" }, context);
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: "text", text: "[forbidden] This tool needs the files:write scope." }]);
    expect(await storedKeys()).toEqual(before);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "security", type: "scope_refused", tool: "write_file", scope: "files:write" }),
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
      const { context } = seam("seam-b", others);
      // Invalid arguments too: a caller without the scope learns about the scope, not about its input.
      const result = await runTool(tool, { unexpected: true }, context);
      expect(result.content).toEqual([{ type: "text", text: `[forbidden] This tool needs the ${scope} scope.` }]);
      expect(ran).toBe(false);
    }
  });

  it("runs the tool when the scope is held (the refusal above is the scope's doing)", async () => {
    const { context } = seam("seam-c", ["files:write"]);
    const result = await runTool(findTool("write_file")!, { path: "notes.md", content: "hello" }, context);
    expect(result.isError).toBeUndefined();
    expect((await storedKeys()).some((key) => key.includes("seam-c"))).toBe(true);
  });
});
