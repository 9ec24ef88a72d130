/**
 * Nothing lost on delete or move (invariant 6, docs/architecture.md), through the SDK client: recursive deletes to
 * the trash, list_trash, restore_file, empty_trash, move_file for files and directories, and R2 faults
 * injected part-way through, after which every byte is still reachable and a retry converges.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type StorageMeter } from "../../../src/sandbox/sandbox";
import { faultyBucket } from "../../support/faulty-bucket";
import { testGate } from "../../support/gate";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession, reopen, type TenantSession } from "../../support/session";
import { mintToken } from "../../support/tokens";
import { makeEnv, postMcp, toolCall } from "../../support/worker";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("trash");
});

type DeleteOut = { trashId: string; type: string; files: number; size: number };
type TrashOut = {
  items: { trashId: string; path: string; type: string; size: number; deletedAt?: string; deletedPath?: string }[];
  nextCursor?: string;
};

async function seeded(): Promise<TenantSession> {
  const s = await openSession(key);
  await s.seed({ "proj/a.txt": "alpha", "proj/sub/b.txt": "beta", "other.txt": "keep" });
  await callTool(s.client, "create_directory", { path: "proj/empty" });
  return s;
}

/** Polls get_operation until the background operation is no longer running. */
async function settled(s: TenantSession, operationId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const record = (await callTool(s.client, "get_operation", { operationId })).structuredContent as {
      status: string;
    };
    if (record.status !== "running") return record;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every original file's bytes, found either in place or somewhere in the trash. */
async function reachable(s: TenantSession, files: Record<string, string>): Promise<void> {
  const trash = await s.keys("trash");
  for (const [path, body] of Object.entries(files)) {
    const inPlace = await s.read(path);
    if (inPlace !== null) {
      expect(inPlace).toBe(body);
      continue;
    }
    const trashed = trash.find((k) => k.endsWith(`/${path}`));
    expect(trashed, `${path} is neither in place nor in the trash`).toBeDefined();
    expect(await (await env.FILES.get(`trash/${s.tenant}/${trashed}`))?.text()).toBe(body);
  }
}

describe("delete_file and the trash", () => {
  it("a directory needs recursive: true, then goes to the trash under one id, markers included", async () => {
    const s = await seeded();
    expect(errorCodeOf(await callTool(s.client, "delete_file", { path: "proj" }))).toBe("not_a_file");
    const result = await callTool(s.client, "delete_file", { path: "proj", recursive: true });
    expect(result.structuredContent).toMatchObject({ path: "/proj", type: "directory", files: 2, size: 9 });
    const { trashId } = result.structuredContent as DeleteOut;
    expect(await s.keys("files")).toEqual(["other.txt"]);
    expect(await s.keys("trash")).toEqual([
      `${trashId}/proj/a.txt`,
      `${trashId}/proj/empty/`,
      `${trashId}/proj/sub/b.txt`,
    ]);
    expect(textOf(await callTool(s.client, "list_directory", { path: "/" }))).toBe("[FILE] other.txt");
    expect(errorCodeOf(await callTool(s.client, "delete_file", { path: "/", recursive: true }))).toBe("invalid_path");
  });

  it("list_trash shows what was deleted, oldest first, and filters by id", async () => {
    const s = await seeded();
    const first = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    const second = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    const all = (await callTool(s.client, "list_trash", {})).structuredContent as TrashOut;
    expect(all.items.map((i) => [i.trashId, i.path, i.type])).toEqual([
      [first.trashId, "/other.txt", "file"],
      [second.trashId, "/proj/a.txt", "file"],
      [second.trashId, "/proj/empty", "directory"],
      [second.trashId, "/proj/sub/b.txt", "file"],
    ]);
    expect(all.items[1]).toMatchObject({ size: 5, deletedPath: "/proj" });
    expect(all.items[0]!.deletedAt).toMatch(/^\d{4}-/);
    const one = (await callTool(s.client, "list_trash", { trashId: first.trashId })).structuredContent as TrashOut;
    expect(one.items.map((i) => i.path)).toEqual(["/other.txt"]);
    expect(errorCodeOf(await callTool(s.client, "list_trash", { trashId: "../x" }))).toBe("invalid_arguments");
    // R2 silently accepts made-up cursors; ours are bound to the listing they continue.
    expect(errorCodeOf(await callTool(s.client, "list_trash", { cursor: "forged-cursor" }))).toBe("invalid_arguments");
  });

  it("deletes up to 200 objects in the call; one more goes to the background with an operationId", async () => {
    const s = await openSession(key);
    await s.seed(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`cap/${i}.txt`, "x"])));
    await s.seed(Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`many/${i}.txt`, "x"])));
    const inCall = await callTool(s.client, "delete_file", { path: "cap", recursive: true });
    expect(inCall.structuredContent).toMatchObject({ type: "directory", files: 200 });
    expect(inCall.structuredContent).not.toHaveProperty("operationId");
    const background = await callTool(s.client, "delete_file", { path: "many", recursive: true });
    expect(background.isError).toBeFalsy();
    expect(background.structuredContent).toMatchObject({ path: "/many", type: "directory", status: "running" });
    const { operationId } = background.structuredContent as { operationId: string };
    expect(textOf(background)).toContain(operationId);
    expect(await settled(s, operationId)).toMatchObject({ status: "succeeded", progress: { files: 201 } });
    expect(await s.keys("files")).toHaveLength(0);
    expect(await s.keys("trash")).toHaveLength(401);
  }, 60_000);

  it("an R2 delete failing part-way through a recursive delete loses nothing, and a retry finishes", async () => {
    const s = await seeded();
    const files = { "proj/a.txt": "alpha", "proj/sub/b.txt": "beta" };
    const broken = await reopen(key, s, faultyBucket(env.FILES, { failNth: { delete: 2 } }));
    await expect(callTool(broken, "delete_file", { path: "proj", recursive: true })).rejects.toThrow();
    await reachable(s, files);
    const retry = await callTool(s.client, "delete_file", { path: "proj", recursive: true });
    expect(retry.isError).toBeFalsy();
    expect(await s.keys("files")).toEqual(["other.txt"]);
    await reachable(s, files);
  });
});

describe("restore_file", () => {
  it("restores a file to where it was, or to a new path, and it leaves the trash", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    const restored = await callTool(s.client, "restore_file", { trashId });
    expect(restored.structuredContent).toMatchObject({ destination: "/other.txt", files: 1, size: 4 });
    expect(await s.read("other.txt")).toBe("keep");
    expect(await s.keys("trash")).toEqual([]);
    expect(errorCodeOf(await callTool(s.client, "restore_file", { trashId }))).toBe("not_found");

    const again = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    await callTool(s.client, "restore_file", { trashId: again.trashId, destination: "moved/other-copy.txt" });
    expect(await s.read("moved/other-copy.txt")).toBe("keep");
  });

  it("restores a whole directory, empty subdirectories included, or just part of it", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    const part = await callTool(s.client, "restore_file", {
      trashId,
      path: "proj/sub/b.txt",
      destination: "b-only.txt",
    });
    expect(part.structuredContent).toMatchObject({ files: 1 });
    expect(await s.read("b-only.txt")).toBe("beta");
    const rest = await callTool(s.client, "restore_file", { trashId, destination: "proj2" });
    expect(rest.structuredContent).toMatchObject({ destination: "/proj2", files: 1 });
    expect(await s.keys("files")).toEqual(["b-only.txt", "other.txt", "proj2/a.txt", "proj2/empty/"]);
    expect(await s.keys("trash")).toEqual([]);
  });

  it("never restores over an existing file, and then changes nothing", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    await callTool(s.client, "write_file", { path: "proj/sub/b.txt", content: "newer" });
    const result = await callTool(s.client, "restore_file", { trashId });
    expect(errorCodeOf(result)).toBe("already_exists");
    expect(await s.read("proj/sub/b.txt")).toBe("newer");
    expect(await s.read("proj/a.txt")).toBeNull();
    expect(await s.keys("trash")).toHaveLength(3);
    // A file where a directory of the entry must go is refused too.
    await callTool(s.client, "write_file", { path: "blocker", content: "file" });
    const single = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    expect(
      errorCodeOf(await callTool(s.client, "restore_file", { trashId: single.trashId, destination: "blocker/x.txt" })),
    ).toBe("not_a_directory");
  });

  it("never restores a file where a directory now stands (a path is never both)", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    await callTool(s.client, "write_file", { path: "proj/a.txt/inside.txt", content: "a directory now" });
    expect(errorCodeOf(await callTool(s.client, "restore_file", { trashId }))).toBe("already_exists");
    expect(await s.read("proj/sub/b.txt")).toBeNull();
    expect(await s.read("proj/a.txt")).toBeNull();
    expect(await s.keys("trash")).toHaveLength(3);
    // The single-file route (HEAD and one-key LIST instead of a listing) refuses the same way.
    const single = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    await callTool(s.client, "create_directory", { path: "other.txt" });
    const refused = await callTool(s.client, "restore_file", { trashId: single.trashId });
    expect(["already_exists", "not_a_file"]).toContain(errorCodeOf(refused));
    expect(await s.read("other.txt")).toBeNull();
  });

  it("refuses malformed and unknown trash ids, and another tenant's", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    const intruder = await openSession(key);
    expect(errorCodeOf(await callTool(intruder.client, "restore_file", { trashId }))).toBe("not_found");
    expect((await callTool(intruder.client, "list_trash", { trashId })).structuredContent).toEqual({ items: [] });
    expect((await callTool(intruder.client, "empty_trash", { trashIds: [trashId] })).structuredContent).toEqual({
      purged: 0,
      more: false,
    });
    expect(await s.keys("trash")).toEqual([`${trashId}/other.txt`]);
    expect(errorCodeOf(await callTool(s.client, "restore_file", { trashId: "../../files/x" }))).toBe(
      "invalid_arguments",
    );
    expect(errorCodeOf(await callTool(s.client, "restore_file", { trashId: "000000000-abc" }))).toBe("not_found");
  });

  it("an R2 failure part-way through a restore loses nothing", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    const broken = await reopen(key, s, faultyBucket(env.FILES, { failNth: { put: 2 } }));
    await expect(callTool(broken, "restore_file", { trashId })).rejects.toThrow();
    await reachable(s, { "proj/a.txt": "alpha", "proj/sub/b.txt": "beta" });
    const retry = await callTool(s.client, "restore_file", { trashId });
    expect(retry.isError).toBeFalsy();
    expect(await s.read("proj/a.txt")).toBe("alpha");
    expect(await s.read("proj/sub/b.txt")).toBe("beta");
  });
});

describe("empty_trash", () => {
  it("destroys selected entries or everything, and needs files:delete", async () => {
    const s = await seeded();
    const one = (await callTool(s.client, "delete_file", { path: "other.txt" })).structuredContent as DeleteOut;
    const dir = (await callTool(s.client, "delete_file", { path: "proj", recursive: true }))
      .structuredContent as DeleteOut;
    const readWrite = await mintToken({ key, claims: { sub: s.tenant, scope: "files:read files:write" } });
    const denied = await postMcp(makeEnv(key), toolCall("empty_trash", {}), { authorization: `Bearer ${readWrite}` });
    expect(denied.status).toBe(403);
    expect(await s.keys("trash")).toHaveLength(4);

    const selected = await callTool(s.client, "empty_trash", { trashIds: [one.trashId] });
    expect(selected.structuredContent).toEqual({ purged: 1, more: false });
    expect((await s.keys("trash")).every((k) => k.startsWith(dir.trashId))).toBe(true);
    expect((await callTool(s.client, "empty_trash", {})).structuredContent).toEqual({ purged: 3, more: false });
    expect(await s.keys("trash")).toEqual([]);
    expect((await callTool(s.client, "empty_trash", {})).structuredContent).toEqual({ purged: 0, more: false });
    expect(errorCodeOf(await callTool(s.client, "empty_trash", { trashIds: ["nope/.."] }))).toBe("invalid_arguments");
    expect(await s.read("other.txt")).toBeNull();
  });
});

describe("move_file", () => {
  it("moves and renames files, creating parents; refuses an existing destination", async () => {
    const s = await seeded();
    const result = await callTool(s.client, "move_file", {
      source: "other.txt",
      destination: "archive/2026/other.txt",
    });
    expect(result.structuredContent).toMatchObject({ type: "file", objects: 1, resumed: 0 });
    expect(await s.read("archive/2026/other.txt")).toBe("keep");
    expect(await s.read("other.txt")).toBeNull();
    expect(
      errorCodeOf(await callTool(s.client, "move_file", { source: "proj/a.txt", destination: "proj/sub/b.txt" })),
    ).toBe("already_exists");
    expect(await s.read("proj/a.txt")).toBe("alpha");
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "missing", destination: "x" }))).toBe(
      "not_found",
    );
    expect(
      errorCodeOf(await callTool(s.client, "move_file", { source: "proj/a.txt", destination: "proj/a.txt" })),
    ).toBe("invalid_arguments");
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "proj/a.txt", destination: "proj/sub" }))).toBe(
      "not_a_file",
    );
  });

  it("moves directories, markers included; never into themselves or onto an existing directory", async () => {
    const s = await seeded();
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "proj", destination: "proj/sub/inner" }))).toBe(
      "invalid_arguments",
    );
    await s.seed({ "taken/x.txt": "x" });
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "proj", destination: "taken" }))).toBe(
      "already_exists",
    );
    // An existing but empty directory is an existing destination too.
    await callTool(s.client, "create_directory", { path: "empty-target" });
    expect(errorCodeOf(await callTool(s.client, "move_file", { source: "proj", destination: "empty-target" }))).toBe(
      "already_exists",
    );
    await callTool(s.client, "delete_file", { path: "empty-target", recursive: true });
    const result = await callTool(s.client, "move_file", { source: "proj", destination: "renamed" });
    expect(result.structuredContent).toMatchObject({ type: "directory", objects: 3 });
    expect(await s.keys("files")).toEqual([
      "other.txt",
      "renamed/a.txt",
      "renamed/empty/",
      "renamed/sub/b.txt",
      "taken/x.txt",
    ]);
  });

  it("a failed delete leaves the source intact, and a retry converges on the identical copy", async () => {
    const s = await seeded();
    const broken = await reopen(key, s, faultyBucket(env.FILES, { fail: ["delete"] }));
    await expect(callTool(broken, "move_file", { source: "other.txt", destination: "moved.txt" })).rejects.toThrow();
    expect(await s.read("other.txt")).toBe("keep");
    expect(await s.read("moved.txt")).toBe("keep");
    const retry = await callTool(s.client, "move_file", { source: "other.txt", destination: "moved.txt" });
    expect(retry.structuredContent).toMatchObject({ resumed: 1 });
    expect(await s.read("other.txt")).toBeNull();
    expect(await s.read("moved.txt")).toBe("keep");
  });

  it("a failed copy leaves the source intact and no destination", async () => {
    const s = await seeded();
    const broken = await reopen(key, s, faultyBucket(env.FILES, { fail: ["put"] }));
    await expect(callTool(broken, "move_file", { source: "proj", destination: "elsewhere" })).rejects.toThrow();
    expect(await s.keys("files")).toEqual(["other.txt", "proj/a.txt", "proj/empty/", "proj/sub/b.txt"]);
  });

  it("a directory move interrupted part-way is finished by a retry, with nothing lost", async () => {
    const s = await seeded();
    const broken = await reopen(key, s, faultyBucket(env.FILES, { failNth: { delete: 2 } }));
    await expect(callTool(broken, "move_file", { source: "proj", destination: "dest" })).rejects.toThrow();
    const files = await s.keys("files");
    expect(files).toContain("proj/a.txt");
    for (const name of ["a.txt", "sub/b.txt"]) {
      expect((await s.read(`proj/${name}`)) ?? (await s.read(`dest/${name}`))).not.toBeNull();
    }
    const retry = await callTool(s.client, "move_file", { source: "proj", destination: "dest" });
    expect(retry.isError).toBeFalsy();
    expect((retry.structuredContent as { resumed: number }).resumed).toBeGreaterThan(0);
    expect(await s.keys("files")).toEqual(["dest/a.txt", "dest/empty/", "dest/sub/b.txt", "other.txt"]);
    expect(await s.read("dest/sub/b.txt")).toBe("beta");
  });

  it("moves a directory of more than 200 objects in the background", async () => {
    const s = await openSession(key);
    await s.seed(Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`many/${i}.txt`, "x"])));
    const started = await callTool(s.client, "move_file", { source: "many", destination: "other" });
    expect(started.structuredContent).toMatchObject({ source: "/many", destination: "/other", status: "running" });
    const { operationId } = started.structuredContent as { operationId: string };
    expect(await settled(s, operationId)).toMatchObject({ status: "succeeded", progress: { objects: 201 } });
    expect((await s.keys("files")).every((k) => k.startsWith("other/"))).toBe(true);
    expect(await s.keys("files")).toHaveLength(201);
  }, 60_000);
});

describe("storage meter", () => {
  it("trash frees bytes, restore takes them back, moves and purges change nothing", async () => {
    const deltas: number[] = [];
    const meter: StorageMeter = { adjust: async (delta) => void deltas.push(delta) };
    const tenant = `meter${Date.now().toString(36)}`;
    await env.FILES.put(`files/${tenant}/d/a.txt`, "12345");
    await env.FILES.put(`files/${tenant}/d/b.txt`, "123");
    const sandbox = new Sandbox(env.FILES, tenant, { meter, gate: testGate() });
    const dir = sandbox.resolve("d", "path");
    await sandbox.move(dir, sandbox.resolve("e", "path"));
    expect(deltas).toEqual([]);
    const receipt = await sandbox.moveToTrash(sandbox.resolve("e", "path"), { recursive: true });
    expect(deltas.sort((a, b) => a - b)).toEqual([-5, -3]);
    deltas.length = 0;
    await sandbox.restoreFromTrash(receipt.trashId!);
    expect(deltas.sort((a, b) => a - b)).toEqual([3, 5]);
    deltas.length = 0;
    await sandbox.moveToTrash(sandbox.resolve("e/a.txt", "path"));
    await sandbox.purgeTrash();
    expect(deltas).toEqual([-5]);
  });
});
