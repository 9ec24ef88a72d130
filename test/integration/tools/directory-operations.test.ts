/**
 * Directory operations of any size (invariant 6, docs/architecture.md at scale): a 1,500-file tree copied, moved,
 * deleted and restored as Cloudflare Workflows (real engine in Miniflare), each followed only through
 * get_operation, with every object accounted for at every stage; a directory delete counting one
 * delete against the daily quota; step failures retried by the engine (and, when they never stop,
 * reported as failed with nothing lost and a retry that finishes); tenant-scoped operation ids.
 */
import { introspectWorkflow } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import { OperationSteps, type TreeOperationPlan } from "../../../src/sandbox/sandbox";
import { faultyBucket } from "../../support/faulty-bucket";
import { testGate } from "../../support/gate";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession, type TenantSession } from "../../support/session";

let key: TestKey;
beforeAll(async () => {
  key = await createTestKey("operations");
});

type Introspector = Awaited<ReturnType<typeof introspectWorkflow>>;
let introspector: Introspector | undefined;
afterEach(async () => {
  await introspector?.dispose();
  introspector = undefined;
});

type Record = {
  operationId: string;
  kind: string;
  status: "running" | "succeeded" | "failed";
  source: string;
  destination?: string;
  trashId?: string;
  progress: { objects: number; files: number; bytes: number; resumed: number; skipped: number };
  errors: { code: string; message: string; path?: string }[];
  errorCount: number;
};

function tree(count: number, root = "tree"): globalThis.Record<string, string> {
  const files: globalThis.Record<string, string> = {};
  for (let i = 0; i < count; i++)
    files[`${root}/d${String(i % 30).padStart(2, "0")}/f${i}.txt`] = `content of file ${i}\n`;
  return files;
}

/** Polls get_operation (the only way a client learns the outcome) until it is no longer running. */
async function settle(s: TenantSession, operationId: string): Promise<Record> {
  for (;;) {
    const result = await callTool(s.client, "get_operation", { operationId });
    expect(result.isError, textOf(result)).toBeFalsy();
    const record = result.structuredContent as Record;
    if (record.status !== "running") return record;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function started(result: { structuredContent?: unknown; isError?: boolean }): string {
  expect(result.isError).toBeFalsy();
  const structured = result.structuredContent as { operationId?: string; status?: string };
  expect(structured.status).toBe("running");
  expect(structured.operationId).toMatch(/^op-/);
  return structured.operationId!;
}

async function md5(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(text)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Every file of `files`, rebased from `from` to `to`, holds exactly its content, and no other file is
 * under `to`. Content is compared by R2's etag, the MD5 of a single-part object's bytes, so a
 * 1,500-file check is two listings instead of 1,500 reads.
 */
async function expectTree(s: TenantSession, files: globalThis.Record<string, string>, from: string, to: string) {
  const prefix = `files/${s.tenant}/${to}/`;
  const etags = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects)
      if (!object.key.endsWith("/")) etags.set(object.key.slice(prefix.length), object.etag);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const expected = new Map<string, string>();
  for (const [path, body] of Object.entries(files)) expected.set(path.slice(from.length + 1), await md5(body));
  expect(etags).toEqual(expected);
}

describe("a 1,500-file directory through background operations", () => {
  it("copies, moves, deletes (one delete against the quota) and restores, every object accounted for", async () => {
    // A daily delete quota of 2: the directory delete must count as exactly one.
    const s = await openSession(key, { env: { QUOTA_DAILY_DELETES: "2" } });
    const files = tree(1500);
    await s.seed(files);
    await callTool(s.client, "create_directory", { path: "tree/empty" });
    const bytes = Object.values(files).reduce((n, text) => n + text.length, 0);

    const copyId = started(await callTool(s.client, "copy_file", { source: "tree", destination: "copied" }));
    const copied = await settle(s, copyId);
    expect(copied).toMatchObject({ kind: "copy", status: "succeeded", source: "/tree", destination: "/copied" });
    expect(copied.progress).toMatchObject({ objects: 1501, files: 1500, bytes, skipped: 0 });
    await expectTree(s, files, "tree", "tree");
    await expectTree(s, files, "tree", "copied");

    const moveId = started(await callTool(s.client, "move_file", { source: "copied", destination: "moved/here" }));
    const moved = await settle(s, moveId);
    expect(moved).toMatchObject({ status: "succeeded", progress: { objects: 1501, files: 1500, bytes } });
    expect((await s.keys("files")).filter((k) => k.startsWith("copied/"))).toEqual([]);
    await expectTree(s, files, "tree", "moved/here");
    expect(await s.keys("files")).toContain("moved/here/empty/");

    const deleted = await callTool(s.client, "delete_file", { path: "moved/here", recursive: true });
    const deleteId = started(deleted);
    const { trashId } = deleted.structuredContent as { trashId: string };
    const trashedRecord = await settle(s, deleteId);
    expect(trashedRecord).toMatchObject({ status: "succeeded", trashId, progress: { objects: 1501, files: 1500 } });
    expect((await s.keys("files")).filter((k) => k.startsWith("moved/here/"))).toEqual([]);
    expect(await s.keys("files")).toContain("moved/"); // the parent stays, as after a synchronous delete
    const trash = await s.keys("trash");
    expect(trash.length).toBe(1501);
    expect(trash.every((k) => k.startsWith(`${trashId}/moved/here/`))).toBe(true);
    // One delete was counted for 1,501 objects: one more delete fits in the quota of 2, the next does not.
    await s.seed({ "x.txt": "x", "y.txt": "y" });
    expect((await callTool(s.client, "delete_file", { path: "x.txt" })).isError).toBeFalsy();
    expect(errorCodeOf(await callTool(s.client, "delete_file", { path: "y.txt" }))).toBe("quota_exceeded");

    const restoreId = started(await callTool(s.client, "restore_file", { trashId }));
    const restored = await settle(s, restoreId);
    expect(restored).toMatchObject({ kind: "restore", status: "succeeded", progress: { objects: 1501, files: 1500 } });
    await expectTree(s, files, "tree", "moved/here");
    expect((await s.keys("trash")).filter((k) => k.startsWith(trashId))).toEqual([]);
  }, 600_000);
});

describe("background operations: refusals, failures and isolation", () => {
  it("refuses an occupied destination before starting, and keeps operations tenant-scoped", async () => {
    const s = await openSession(key);
    await s.seed({ ...tree(210), "taken/x.txt": "x" });
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "tree", destination: "taken" }))).toBe(
      "already_exists",
    );
    expect(errorCodeOf(await callTool(s.client, "copy_file", { source: "tree", destination: "tree/in" }))).toBe(
      "invalid_arguments",
    );
    const id = started(await callTool(s.client, "copy_file", { source: "tree", destination: "dup" }));
    expect((await settle(s, id)).status).toBe("succeeded");
    const other = await openSession(key);
    expect(errorCodeOf(await callTool(other.client, "get_operation", { operationId: id }))).toBe("not_found");
    expect(errorCodeOf(await callTool(other.client, "get_operation", { operationId: "../x" }))).toBe(
      "invalid_arguments",
    );
  }, 120_000);

  it("a step that fails is retried by the engine and the operation still succeeds", async () => {
    introspector = await introspectWorkflow(env.TREE_OPERATIONS);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "batch 2" }, new Error("injected R2 failure"), 3);
    });
    const s = await openSession(key);
    const files = tree(250);
    await s.seed(files);
    const id = started(await callTool(s.client, "move_file", { source: "tree", destination: "dest" }));
    expect(await settle(s, id)).toMatchObject({ status: "succeeded", progress: { objects: 250 } });
    await expectTree(s, files, "tree", "dest");
    expect((await s.keys("files")).filter((k) => k.startsWith("tree/"))).toEqual([]);
  }, 120_000);

  it("when a step keeps failing the operation says failed, nothing is lost, and calling again finishes", async () => {
    introspector = await introspectWorkflow(env.TREE_OPERATIONS);
    await introspector.modifyAll(async (m) => {
      await m.disableRetryDelays();
      await m.mockStepError({ name: "batch 2" }, new Error("injected R2 failure"));
    });
    const s = await openSession(key);
    const files = tree(250);
    await s.seed(files);
    const first = await callTool(s.client, "delete_file", { path: "tree", recursive: true });
    const failed = await settle(s, started(first));
    expect(failed.status).toBe("failed");
    expect(failed.errors.at(-1)).toMatchObject({ code: "unavailable" });
    expect(failed.progress.objects).toBe(100); // batch 1 finished; batch 2 never ran
    // Every file is in place or in the trash, with its content.
    const inPlace = (await s.keys("files")).filter((k) => k.startsWith("tree/"));
    const trashed = await s.keys("trash");
    expect(inPlace.length + trashed.length).toBe(250);
    await introspector.dispose();
    introspector = undefined;
    const again = await callTool(s.client, "delete_file", { path: "tree", recursive: true });
    expect(again.isError).toBeFalsy();
    expect((await s.keys("files")).filter((k) => k.startsWith("tree/"))).toEqual([]);
    expect((await s.keys("trash")).length).toBe(250);
  }, 120_000);
});

describe("one step failing part-way on R2 (what the engine retries)", () => {
  const kinds = ["delete", "move", "copy"] as const;
  it.each(kinds)(
    "%s: a retried step finishes what the failed attempt began and loses nothing",
    async (kind) => {
      const tenant = `step${kind}${Date.now().toString(36)}`;
      const files = tree(60);
      await Promise.all(Object.entries(files).map(([path, body]) => env.FILES.put(`files/${tenant}/${path}`, body)));
      const plan: TreeOperationPlan = {
        operationId: "op-1-1",
        tenant,
        kind,
        source: "tree",
        ...(kind === "delete" ? { trashId: "0000000001-abc" } : { destination: "out" }),
        startedAt: new Date().toISOString(),
        decision: testGate().carried,
      };
      // The 25th put fails: some objects are done, some copied but not deleted, some untouched.
      const broken = new OperationSteps(faultyBucket(env.FILES, { failNth: { put: 25 } }), plan);
      await expect(broken.runBatch(undefined)).rejects.toMatchObject({
        name: "DependencyUnavailableError",
      });
      const retry = await new OperationSteps(env.FILES, plan).runBatch(undefined);
      expect(retry.next).toBeUndefined();
      expect(retry.errorCount).toBe(0);
      const list = async (prefix: string) => (await env.FILES.list({ prefix, limit: 1000 })).objects.map((o) => o.key);
      const target = kind === "delete" ? `trash/${tenant}/${plan.trashId}/tree/` : `files/${tenant}/out/`;
      expect((await list(target)).length).toBe(60);
      expect((await list(`files/${tenant}/tree/`)).length).toBe(kind === "copy" ? 60 : 0);
      for (const [path, body] of Object.entries(files)) {
        const key =
          kind === "delete"
            ? `trash/${tenant}/${plan.trashId}/${path}`
            : `files/${tenant}/${path.replace("tree/", "out/")}`;
        expect(await (await env.FILES.get(key))?.text()).toBe(body);
      }
    },
    60_000,
  );
});

describe("an operation that stops early on the caller's condition", () => {
  it.each(["copy", "restore"] as const)(
    "%s: the storage quota stops the step, and its progress is exactly what landed",
    async (kind) => {
      const tenant = `quota${kind}${Date.now().toString(36)}`;
      const files = tree(60);
      const trashId = "0000000002-quota";
      for (const [path, body] of Object.entries(files)) {
        const key = kind === "restore" ? `trash/${tenant}/${trashId}/${path}` : `files/${tenant}/${path}`;
        await env.FILES.put(key, body);
      }
      // A storage quota with room for 20 files' bytes (each is 20–22 bytes).
      let used = 0;
      const meter = {
        async adjust(delta: number) {
          if (delta > 0 && used + delta > 430) throw new ToolError("quota_exceeded", "Storage quota reached");
          used += delta;
        },
      };
      const plan: TreeOperationPlan = {
        operationId: "op-2-2",
        tenant,
        kind,
        source: "tree",
        destination: kind === "copy" ? "out" : "back",
        ...(kind === "restore" ? { trashId } : {}),
        startedAt: new Date().toISOString(),
        decision: testGate().carried,
      };
      const result = await new OperationSteps(env.FILES, plan, { meter }).runBatch(undefined);
      expect(result.stopped).toMatchObject({ code: "quota_exceeded" });
      expect(result.next).toBeUndefined();
      const landed = (await env.FILES.list({ prefix: `files/${tenant}/${plan.destination}/`, limit: 1000 })).objects;
      expect(landed.length).toBeGreaterThan(0);
      expect(landed.length).toBeLessThan(60);
      expect(result.progress.files).toBe(landed.length);
      expect(result.progress.bytes).toBe(landed.reduce((sum, object) => sum + object.size, 0));
      expect(result.progress.bytes).toBe(used);
    },
    60_000,
  );

  it("get_operation says what was done and why it stopped", async () => {
    const s = await openSession(key);
    const record = {
      operationId: "op-3-3",
      kind: "copy",
      status: "failed",
      source: "/tree",
      destination: "/out",
      startedAt: "2026-12-01T10:00:00.000Z",
      updatedAt: "2026-12-01T10:00:05.000Z",
      finishedAt: "2026-12-01T10:00:05.000Z",
      progress: { objects: 52, files: 52, bytes: 1092, resumed: 0, skipped: 0 },
      errors: [{ code: "quota_exceeded", message: "Storage quota reached" }],
      errorCount: 1,
      stoppedBy: { code: "quota_exceeded", message: "Storage quota reached" },
    };
    await env.FILES.put(`ops/${s.tenant}/op-3-3`, JSON.stringify(record));
    const result = await callTool(s.client, "get_operation", { operationId: "op-3-3" });
    expect(result.structuredContent).toMatchObject({
      progress: { objects: 52, bytes: 1092 },
      stoppedBy: { code: "quota_exceeded" },
    });
    expect(textOf(result)).toContain("52 objects (52 files, 1092 bytes) done");
    expect(textOf(result)).toContain("Stopped early, with the rest not handled: [quota_exceeded]");
  });
});
