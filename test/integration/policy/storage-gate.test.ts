/**
 * The storage gate on its own, below the tools and their up-front decisions: a `Sandbox` built with an
 * editor's gate under the mediation policy (test/unit/policy/mediation-policy.ts), every method asked
 * for what the policy refuses. Each refusal happens before the R2 access it guards (the recording bucket
 * shows no get/put/delete of the object), and listings leave out what may not be listed.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/policy";
import { Sandbox } from "../../../src/sandbox/sandbox";
import { parseSandboxPath } from "../../../src/sandbox/sandbox-path";
import { testGate } from "../../support/gate";
import { recordingBucket } from "../../support/recording-bucket";
import { MEDIATION_POLICY } from "../../unit/policy/mediation-policy";

const parsed = parsePolicy(JSON.stringify(MEDIATION_POLICY));
if (!parsed.ok) throw new Error(parsed.problem);
const policy = parsed.policy;
const p = (raw: string) => parseSandboxPath(raw, "path");

let tenant: string;
beforeAll(async () => {
  tenant = `gate${Date.now().toString(36)}`;
  const files: Record<string, string> = {
    "payroll/2026.txt": "alice 123456",
    "hr/people.txt": "carol",
    "open/a.txt": "a",
    "open/.env": "SECRET=1",
    "archive/old.txt": "old",
  };
  await Promise.all(Object.entries(files).map(([path, body]) => env.FILES.put(`files/${tenant}/${path}`, body)));
});

function editor() {
  const bucket = recordingBucket(env.FILES);
  return { bucket, sandbox: new Sandbox(bucket, tenant, { gate: testGate(policy, ["editor"]) }) };
}

const touched = (bucket: ReturnType<typeof editor>["bucket"], method: string, suffix: string) =>
  bucket.recorded.some((call) => call.method === method && String(call.key).endsWith(suffix));

describe("the storage gate", () => {
  it("refuses reading a read-denied file before the R2 get", async () => {
    const { bucket, sandbox } = editor();
    await expect(sandbox.openFile(p("payroll/2026.txt"))).rejects.toMatchObject({
      code: "policy_denied",
      details: { rule: "payroll-admins-only" },
    });
    expect(touched(bucket, "get", "payroll/2026.txt")).toBe(false);
  });

  it("readWholeText: list first, then not_found / not_a_file before the read refusal, never the get", async () => {
    const { bucket, sandbox } = editor();
    await expect(sandbox.readWholeText(p("hr/people.txt"), 1024)).rejects.toMatchObject({ code: "policy_denied" });
    expect(bucket.recorded).toEqual([]);
    await expect(sandbox.readWholeText(p("payroll/2026.txt"), 1024)).rejects.toMatchObject({
      code: "policy_denied",
      details: { rule: "payroll-admins-only" },
    });
    await expect(sandbox.readWholeText(p("payroll/missing.txt"), 1024)).rejects.toMatchObject({ code: "not_found" });
    await expect(sandbox.readWholeText(p("payroll"), 1024)).rejects.toMatchObject({ code: "not_a_file" });
    expect(bucket.recorded.some((call) => call.method === "get")).toBe(false);
    const shown = await sandbox.readWholeText(p("open/a.txt"), 1024);
    expect("shown" in shown && shown.shown).toBe("a");
    expect(await sandbox.readWholeText(p("archive/old.txt"), 2)).toEqual({ tooLargeSize: 3 });
  });

  it("stat: needs list; the etag only with read", async () => {
    const { sandbox } = editor();
    const info = await sandbox.stat(p("payroll/2026.txt"));
    expect(info?.size).toBe(12);
    expect(info?.etag).toBeUndefined();
    expect((await sandbox.stat(p("open/a.txt")))?.etag).toBeDefined();
    await expect(sandbox.stat(p("hr/people.txt"))).rejects.toMatchObject({ code: "policy_denied" });
    await expect(sandbox.stat(p("hr"))).rejects.toMatchObject({ code: "policy_denied" });
  });

  it("listings and walks leave out what may not be listed, etags of what may not be read", async () => {
    const { sandbox } = editor();
    const root = await sandbox.listDirectory(p("/"));
    expect(root.entries.map((entry) => entry.path.name)).toEqual(["archive", "open", "payroll"]);
    const payroll = await sandbox.listDirectory(p("payroll"));
    expect(payroll.entries.map((entry) => [entry.path.name, entry.etag])).toEqual([["2026.txt", undefined]]);
    const seen: string[] = [];
    await sandbox.walk(p("/"), { maxVisited: 100 }, (entries) => {
      seen.push(...entries.map((entry) => entry.path.relative));
      return true;
    });
    expect(seen.some((path) => path.startsWith("hr"))).toBe(false);
    expect(seen).toContain("payroll/2026.txt");
    expect(sandbox.mayRead(p("payroll/2026.txt"))).toBe(false);
    expect(sandbox.mayRead(p("open/a.txt"))).toBe(true);
  });

  it("refuses writes, appends and directories where write is denied, before any put", async () => {
    const { bucket, sandbox } = editor();
    await expect(sandbox.writeFile(p("archive/new.txt"), "x")).rejects.toMatchObject({ code: "policy_denied" });
    await expect(sandbox.append(p("archive/old.txt"), new Uint8Array([1]), "text/plain")).rejects.toMatchObject({
      code: "policy_denied",
    });
    await expect(sandbox.createDirectory(p("archive/sub"))).rejects.toMatchObject({ code: "policy_denied" });
    expect(bucket.recorded.some((call) => call.method === "put")).toBe(false);
  });

  it("moves and copies: every object at its source and target, before anything changes", async () => {
    const { bucket, sandbox } = editor();
    await expect(sandbox.move(p("open"), p("public"))).rejects.toMatchObject({
      code: "policy_denied",
      details: { rule: "no-dotenv" },
    });
    await expect(sandbox.copy(p("open"), p("public"))).rejects.toMatchObject({ code: "policy_denied" });
    await expect(sandbox.move(p("open/a.txt"), p("archive/a.txt"))).rejects.toMatchObject({
      details: { rule: "archive-read-only" },
    });
    expect(bucket.recorded.some((call) => call.method === "put" || call.method === "delete")).toBe(false);
  });

  it("deletes: the path and every object below it, before anything moves", async () => {
    const { bucket, sandbox } = editor();
    await expect(sandbox.moveToTrash(p("open"), { recursive: true })).rejects.toMatchObject({
      details: { rule: "no-dotenv" },
    });
    await expect(sandbox.moveToTrash(p("archive/old.txt"))).rejects.toMatchObject({
      details: { rule: "archive-read-only" },
    });
    expect(bucket.recorded.some((call) => call.method === "put" || call.method === "delete")).toBe(false);
  });

  it("trash: hidden entries are not listed, restores elsewhere need read at the original, purges purge", async () => {
    const admin = new Sandbox(env.FILES, tenant, { gate: testGate(policy, ["admin"]) });
    const hr = await admin.moveToTrash(p("hr/people.txt"));
    const payroll = await admin.moveToTrash(p("payroll/2026.txt"));
    const { sandbox } = editor();
    const items = (await sandbox.listTrash()).items.map((item) => item.path.relative);
    expect(items).toContain("payroll/2026.txt");
    expect(items).not.toContain("hr/people.txt");
    const payrollId = payroll.trashId ?? "";
    const hrId = hr.trashId ?? "";
    await expect(sandbox.restoreFromTrash(payrollId, { destination: p("open/pay.txt") })).rejects.toMatchObject({
      details: { rule: "payroll-admins-only" },
    });
    await expect(sandbox.restoreFromTrash(hrId, { destination: p("open/hr.txt") })).rejects.toMatchObject({
      details: { rule: "hr-closed" },
    });
    await expect(sandbox.purgeTrash([hrId])).rejects.toMatchObject({ details: { rule: "hr-closed" } });
    expect((await env.FILES.list({ prefix: `trash/${tenant}/${hrId}/` })).objects).toHaveLength(1);
    expect(await env.FILES.head(`files/${tenant}/open/pay.txt`)).toBeNull();
  });
});
