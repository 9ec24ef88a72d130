/**
 * The tenant's trash: deleting moves objects to `trash/<tenant>/<trashId>/…` (never destroys them),
 * listing shows them, and only an explicit purge (or the operator's R2 lifecycle rule on `trash/`)
 * destroys anything (invariant 6, docs/architecture.md). Restoring is sandbox-restore.ts.
 *
 * - One trash id per delete operation. A recursive delete puts the whole directory, its explicit
 *   markers included, under one id, so a restore of that id brings the directory back as it was.
 * - Every trashed object records `deletedPath` (what the caller deleted: the file, or the directory
 *   root) so a restore knows what to re-base onto a new destination.
 * - Each object moves copy → verify → delete-if-unchanged. A failure part-way leaves every object
 *   either still in place or safely in the trash; repeating the delete finishes the job.
 * - Storage quota (`StorageMeter`): trash does not count. Moving a file to the trash frees its bytes
 *   (`adjust(-size)` after its delete); restoring reserves them (`adjust(+size)`) before the put and
 *   hands them back if the put does not happen; purging changes nothing.
 */
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import { decodeListingCursor, encodeListingCursor } from "./listing-cursor";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import {
  copyCreateOnly,
  deleteIfUnchanged,
  forEachLimited,
  isVisible,
  listWholeSubtree,
  r2,
  requireAccess,
  type Storage,
  type StoredObject,
  trashMetadata,
} from "./storage";
import { isTrashId, type StoredKind } from "./storage-keys";
import { MAX_TREE_OBJECTS, TREE_CONCURRENCY } from "./tree-limits";

export { MAX_TREE_OBJECTS } from "./tree-limits";

/** Objects one empty_trash call destroys (R2 deletes up to 1000 keys per call). */
export const MAX_PURGE_OBJECTS = 5000;
export const MAX_TRASH_PAGE = 1000;

export interface TrashReceipt {
  readonly trashId: string;
  readonly path: SandboxPath;
  readonly type: "file" | "directory";
  /** Files moved to the trash, and their total bytes. */
  readonly files: number;
  readonly size: number;
}

export interface TrashItem {
  readonly trashId: string;
  /** The original path of this object. */
  readonly path: SandboxPath;
  readonly type: "file" | "directory";
  readonly size: number;
  readonly deletedAt: string | undefined;
  /** What the delete operation was called on (the file itself, or the directory it was in). */
  readonly deletedPath: string | undefined;
}

export function newTrashId(now: number): string {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `${now.toString(36).padStart(9, "0")}-${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}

function trashKeyFor(storage: Storage, trashId: string, path: SandboxPath, kind: StoredKind): string {
  return kind === "file" ? storage.keys.trashKey(trashId, path) : storage.keys.trashMarkerKey(trashId, path);
}

/**
 * Deleting the last file of an implied directory would make the directory vanish, which no file system
 * does; an explicit marker keeps it (create-only, so an existing marker is left alone).
 */
export async function keepParent(storage: Storage, path: SandboxPath): Promise<void> {
  const parent = path.parent();
  if (parent.isRoot) return;
  await r2(() =>
    storage.bucket.put(storage.keys.directoryPrefix(parent), new Uint8Array(0), {
      onlyIf: new Headers({ "If-None-Match": "*" }),
    }),
  );
}

/**
 * Moves one stored object into the trash entry: the original object once it is in the trash, `null`
 * if it was already gone, or `"changed"` if it changed while being copied (the copy is dropped).
 */
async function trashObject(
  storage: Storage,
  trashId: string,
  deletedPath: SandboxPath,
  item: { path: SandboxPath; kind: StoredKind },
): Promise<R2Object | null | "changed"> {
  const key = storage.keys.keyFor(item.path, item.kind);
  const original = await r2(() => storage.bucket.get(key));
  if (!original) return null;
  const trashKey = trashKeyFor(storage, trashId, item.path, item.kind);
  const outcome = await copyCreateOnly(
    storage,
    original,
    trashKey,
    trashMetadata(original, {
      originalPath: item.path.relative,
      deletedPath: deletedPath.relative,
      deletedAt: new Date(storage.now()).toISOString(),
      originalEtag: original.etag,
    }),
  );
  if (!("copy" in outcome)) {
    // Trash ids are fresh and random; an occupied trash key means something is badly wrong.
    throw new DependencyUnavailableError("r2", { cause: new Error("trash key already occupied") });
  }
  if (!(await deleteIfUnchanged(storage, key, original.etag))) {
    await r2(() => storage.bucket.delete(trashKey));
    return "changed";
  }
  if (item.kind === "file") await storage.meter.adjust(-original.size);
  return original;
}

/**
 * Moves one file to the trash. A failure before the delete leaves the original in place; if the file
 * changed while it was being copied, the copy is dropped and the caller is told, so newer content is
 * never deleted unseen.
 */
export async function trashFile(
  storage: Storage,
  path: SandboxPath,
  requireFile: () => Promise<unknown>,
): Promise<TrashReceipt> {
  const trashId = newTrashId(storage.now());
  const moved = await trashObject(storage, trashId, path, { path, kind: "file" });
  if (moved === null) {
    await requireFile(); // throws the precise not_found / not_a_file
    throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
  }
  if (moved === "changed") {
    throw new ToolError("conflict", `${path.display} changed while it was being deleted; nothing was deleted`, {
      path: path.display,
    });
  }
  await keepParent(storage, path);
  return { trashId, path, type: "file", files: 1, size: moved.size };
}

/**
 * Moves a directory and everything in it to the trash under one id. Refuses (changing nothing) if it
 * holds more than MAX_TREE_OBJECTS objects. A file that changes during the delete stays in place and
 * the call reports a conflict; everything already moved is in the trash under the returned id.
 */
export async function trashDirectory(storage: Storage, path: SandboxPath): Promise<TrashReceipt> {
  const objects = await listWholeSubtree(storage, path, MAX_TREE_OBJECTS, "delete");
  // Every object it would remove, before anything moves: one the caller may not delete refuses it all.
  for (const item of objects) requireAccess(storage, ["delete"], item.path);
  const trashId = newTrashId(storage.now());
  let files = 0;
  let size = 0;
  const changed: string[] = [];
  // Files before markers, so an interrupted delete never leaves files without their directory.
  const ordered = [...objects.filter((o) => o.kind === "file"), ...objects.filter((o) => o.kind === "marker")];
  await forEachLimited(ordered, TREE_CONCURRENCY, async (item: StoredObject) => {
    const moved = await trashObject(storage, trashId, path, item);
    if (moved === "changed") changed.push(item.path.display);
    else if (moved && item.kind === "file") {
      files++;
      size += moved.size;
    }
  });
  await keepParent(storage, path);
  if (changed.length > 0) {
    throw new ToolError(
      "conflict",
      `${changed.length} file(s) under ${path.display} changed during the delete and were kept; the rest is in the trash as ${trashId}.`,
      { path: path.display, trashId, changed: changed.length },
    );
  }
  return { trashId, path, type: "directory", files, size };
}

export function toTrashItem(storage: Storage, object: R2Object): TrashItem | null {
  const parsed = storage.keys.parseTrashKey(object.key);
  if (!parsed) return null;
  let path: SandboxPath;
  try {
    path = parseSandboxPath(parsed.pathText, "stored key", { allowRoot: false });
  } catch {
    return null; // not written by this server; left for the operator, never surfaced
  }
  return {
    trashId: parsed.trashId,
    path,
    type: parsed.kind === "file" ? "file" : "directory",
    size: parsed.kind === "file" ? object.size : 0,
    deletedAt: object.customMetadata?.deletedAt,
    deletedPath: object.customMetadata?.deletedPath ?? object.customMetadata?.originalPath,
  };
}

/** One page of the trash, oldest delete first (trash ids start with the time). */
export async function listTrash(
  storage: Storage,
  options: { cursor?: string | undefined; trashId?: string | undefined },
): Promise<{ items: TrashItem[]; nextCursor: string | undefined }> {
  if (options.trashId !== undefined) assertTrashId(options.trashId);
  const prefix =
    options.trashId === undefined ? storage.keys.trashPrefix : storage.keys.trashEntryPrefix(options.trashId);
  const scope = `trash:${options.trashId ?? ""}`;
  const r2Cursor = options.cursor === undefined ? undefined : decodeListingCursor(scope, options.cursor);
  const page = await r2(() =>
    storage.bucket.list({
      prefix,
      limit: MAX_TRASH_PAGE,
      include: ["customMetadata"],
      ...(r2Cursor ? { cursor: r2Cursor } : {}),
    }),
  );
  // Entries whose original path the caller may not `list` are left out, as in a directory listing.
  const items = page.objects.flatMap((object) => {
    const item = toTrashItem(storage, object);
    if (!item || !isVisible(storage, item.path)) return [];
    if (item.deletedPath === undefined) return [item];
    const deleted = parseSandboxPath(item.deletedPath, "stored key");
    return [isVisible(storage, deleted) ? item : { ...item, deletedPath: undefined }];
  });
  return { items, nextCursor: page.truncated ? encodeListingCursor(scope, page.cursor) : undefined };
}

export function assertTrashId(trashId: string): void {
  if (!isTrashId(trashId)) {
    throw new ToolError("invalid_arguments", "trashId is not one this server returned (see list_trash)", {
      parameter: "trashId",
    });
  }
}

/**
 * Destroys trash: the given entries, or everything. Bounded per call (MAX_PURGE_OBJECTS); `more` says
 * to call again. The storage meter does not change, because trash never counted.
 */
export async function purgeTrash(
  storage: Storage,
  trashIds: readonly string[] | undefined,
): Promise<{ purged: number; more: boolean }> {
  trashIds?.forEach(assertTrashId);
  const prefixes =
    trashIds === undefined
      ? [storage.keys.trashPrefix]
      : [...new Set(trashIds)].map((id) => storage.keys.trashEntryPrefix(id));
  let purged = 0;
  for (const prefix of prefixes) {
    for (;;) {
      const budget = MAX_PURGE_OBJECTS - purged;
      if (budget <= 0) return { purged, more: true };
      // Listing from the start each time: the keys we deleted are gone, so no cursor is needed.
      const page = await r2(() => storage.bucket.list({ prefix, limit: Math.min(1000, budget) }));
      if (page.objects.length === 0) break;
      // Each object's original path must allow `purge` before this page is destroyed.
      for (const object of page.objects) {
        const item = toTrashItem(storage, object);
        if (item) requireAccess(storage, ["purge"], item.path);
      }
      await r2(() => storage.bucket.delete(page.objects.map((object) => object.key)));
      purged += page.objects.length;
      if (!page.truncated) break;
    }
  }
  return { purged, more: false };
}
