/**
 * The tenant's trash: deleting moves objects to `trash/<tenant>/<trashId>/…` (never destroys them),
 * restoring moves them back with create-only puts, and only an explicit purge (or the operator's R2
 * lifecycle rule on `trash/`) destroys anything (invariant 6, docs/architecture.md).
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
import { requireRestoreAccess } from "./object-access";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import {
  copyCreateOnly,
  deleteIfUnchanged,
  forEachLimited,
  isVisible,
  listSubtree,
  listWholeSubtree,
  r2,
  rebase,
  requireAccess,
  type Storage,
  type StoredObject,
} from "./storage";
import { isTrashId, type StoredKind } from "./storage-keys";

/** Objects (files and markers) one recursive delete or restore handles; see docs/tools.md, "Caps, and why". */
export const MAX_TREE_OBJECTS = 200;
/** Parallel R2 copies within one tree operation: enough to hide latency, few enough for Workers' connection limit. */
export const TREE_CONCURRENCY = 4;
/** Objects one empty_trash call destroys (R2 deletes up to 1000 keys per call). */
export const MAX_PURGE_OBJECTS = 5000;
export const MAX_TRASH_PAGE = 1000;
/** How much of a restore's destination is listed to find clashes before falling back to HEADs. */
const DESTINATION_LIST_LIMIT = 1000;

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

export interface RestoreReceipt {
  readonly trashId: string;
  readonly destination: SandboxPath;
  readonly files: number;
  readonly size: number;
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
  const outcome = await copyCreateOnly(storage, original, trashKey, {
    originalPath: item.path.relative,
    deletedPath: deletedPath.relative,
    deletedAt: new Date(storage.now()).toISOString(),
    originalEtag: original.etag,
  });
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

function toTrashItem(storage: Storage, object: R2Object): TrashItem | null {
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

function assertTrashId(trashId: string): void {
  if (!isTrashId(trashId)) {
    throw new ToolError("invalid_arguments", "trashId is not one this server returned (see list_trash)", {
      parameter: "trashId",
    });
  }
}

interface RestorePlan {
  readonly item: TrashItem;
  readonly object: R2Object;
  readonly kind: StoredKind;
  readonly target: SandboxPath;
}

/**
 * Restores a trash entry (or the part of it at or below `path`, an original path inside the entry) to
 * where it was or under `destination`. Never overwrites: every put is create-only, and an occupied
 * target is found up front so a restore that cannot complete changes nothing. Restored objects leave
 * the trash; anything not restored stays there.
 */
export async function restoreFromTrash<Large>(
  storage: Storage,
  trashId: string,
  options: { path?: SandboxPath | undefined; destination?: SandboxPath | undefined },
  assertWritable: (path: SandboxPath, kind: StoredKind) => Promise<void>,
  /** Takes over an entry too large for one call (a background operation), given what to restore where. */
  large?: (root: SandboxPath, destination: SandboxPath) => Promise<Large>,
): Promise<RestoreReceipt | Large> {
  assertTrashId(trashId);
  const page = await r2(() =>
    storage.bucket.list({
      prefix: storage.keys.trashEntryPrefix(trashId),
      limit: MAX_TREE_OBJECTS + 1,
      include: ["customMetadata"],
    }),
  );
  const entries = page.objects.flatMap((object) => {
    const item = toTrashItem(storage, object);
    return item ? [{ item, object }] : [];
  });
  if (entries.length === 0) {
    throw new ToolError("not_found", `Nothing in the trash has id ${trashId}; see list_trash`, { trashId });
  }
  if ((entries.length > MAX_TREE_OBJECTS || page.truncated) && large) {
    const deleted = entries[0]!.item.deletedPath;
    const root = options.path ?? (deleted ? parseSandboxPath(deleted, "stored key") : entries[0]!.item.path);
    const destination = options.destination ?? root;
    // The named paths now; every object of the entry in the operation's first step, before any change.
    requireRestoreAccess(storage, root, destination);
    await assertWritable(destination, "marker");
    return large(root, destination);
  }
  if (entries.length > MAX_TREE_OBJECTS || page.truncated) {
    throw new ToolError(
      "limit_reached",
      `Trash entry ${trashId} holds more than ${MAX_TREE_OBJECTS} objects; restore it in parts with 'path'.`,
      {
        trashId,
        maxObjects: MAX_TREE_OBJECTS,
      },
    );
  }
  const deletedPathText = entries[0]!.item.deletedPath;
  const root =
    options.path ?? (deletedPathText ? parseSandboxPath(deletedPathText, "stored key") : entries[0]!.item.path);
  const selected = entries.filter(({ item }) => root.isSameOrAncestorOf(item.path));
  if (selected.length === 0) {
    throw new ToolError("not_found", `Trash entry ${trashId} holds nothing at ${root.display}`, {
      trashId,
      path: root.display,
    });
  }
  const destination = options.destination ?? root;
  const plans: RestorePlan[] = selected.map(({ item, object }) => ({
    item,
    object,
    kind: storage.keys.parseTrashKey(object.key)!.kind,
    target: rebase(item.path, root, destination, "destination"),
  }));
  // Every object, before anything moves (docs/policy.md): a restore writes at its target, and when the
  // target is not where the object came from it also makes the original's content readable there.
  for (const plan of plans) requireRestoreAccess(storage, plan.item.path, plan.target);
  const isFile =
    plans.length === 1 && plans[0]!.kind === "file" && plans[0]!.item.path.segments.length === root.segments.length;
  await assertWritable(destination, isFile ? "file" : "marker");
  await assertNothingAt(storage, destination, plans);

  let files = 0;
  let size = 0;
  const occupied: string[] = [];
  // Files first (creating their directories implicitly), markers after, for empty directories.
  const ordered = [...plans.filter((p) => p.kind === "file"), ...plans.filter((p) => p.kind === "marker")];
  await forEachLimited(ordered, TREE_CONCURRENCY, async (plan) => {
    const restored = await restoreObject(storage, plan);
    if (restored === "occupied") occupied.push(plan.target.display);
    else if (plan.kind === "file") {
      files++;
      size += plan.object.size;
    }
  });
  if (occupied.length > 0) {
    throw new ToolError(
      "already_exists",
      `${occupied.length} file(s) appeared at the destination during the restore and were not overwritten; they stay in the trash as ${trashId}.`,
      { trashId, occupied: occupied.length },
    );
  }
  return { trashId, destination, files, size };
}

/**
 * Refuses, before anything moves, when a target file already exists (no overwrite, ever), when a
 * directory now stands where a file would be restored, or when a directory the restore needs below
 * `destination` is now a file (a path is never both).
 */
async function assertNothingAt(
  storage: Storage,
  destination: SandboxPath,
  plans: readonly RestorePlan[],
): Promise<void> {
  const files = plans.filter((plan) => plan.kind === "file").map((plan) => plan.target);
  const directories = new Map<string, SandboxPath>();
  for (const plan of plans) {
    const needed = [...plan.target.ancestors(), ...(plan.kind === "marker" ? [plan.target] : [])];
    for (const directory of needed) {
      if (directory.segments.length > destination.segments.length) directories.set(directory.relative, directory);
    }
  }
  const checked = [...files, ...directories.values()];
  const occupancy = await occupancyOf(storage, destination, checked, files);
  refuseOccupied(
    checked.filter((path) => occupancy.isFile(path)),
    "files",
  );
  refuseOccupied(
    files.filter((path) => occupancy.isDirectory(path)),
    "directories",
  );
}

function refuseOccupied(paths: readonly SandboxPath[], as: "files" | "directories"): void {
  if (paths.length === 0) return;
  const first = paths[0]!.display;
  throw new ToolError(
    "already_exists",
    `${first}${paths.length > 1 ? ` and ${paths.length - 1} more` : ""} ${as === "files" ? "already" : "now"} exist(s) as ${as}; ` +
      "nothing was restored. Restore to another destination.",
    { path: first, count: paths.length },
  );
}

interface Occupancy {
  isFile(path: SandboxPath): boolean;
  isDirectory(path: SandboxPath): boolean;
}

/**
 * Which of `paths` hold a file now, and which of `filePaths` are directories now. One listing of the
 * destination when it is small (a directory restore would otherwise cost a HEAD and a LIST per target,
 * ~400 more R2 operations), HEADs and one-key LISTs otherwise.
 */
async function occupancyOf(
  storage: Storage,
  destination: SandboxPath,
  paths: readonly SandboxPath[],
  filePaths: readonly SandboxPath[],
): Promise<Occupancy> {
  const below = paths.every((path) => path.segments.length > destination.segments.length);
  if (below && paths.length > 1) {
    const present = await listSubtree(storage, destination, DESTINATION_LIST_LIMIT);
    if (!present.more) {
      const keys = new Set(present.objects.map((stored) => stored.object.key));
      // Every key implies its ancestor directories; collect them once.
      const directoryPrefixes = new Set<string>();
      for (const key of keys) {
        for (
          let slash = key.indexOf("/", storage.keys.filesPrefix.length);
          slash !== -1;
          slash = key.indexOf("/", slash + 1)
        ) {
          directoryPrefixes.add(key.slice(0, slash + 1));
        }
      }
      return {
        isFile: (path) => keys.has(storage.keys.fileKey(path)),
        isDirectory: (path) => directoryPrefixes.has(storage.keys.directoryPrefix(path)),
      };
    }
  }
  const [heads, listings] = await Promise.all([
    Promise.all(paths.map((path) => r2(() => storage.bucket.head(storage.keys.fileKey(path))))),
    Promise.all(
      filePaths.map((path) => r2(() => storage.bucket.list({ prefix: storage.keys.directoryPrefix(path), limit: 1 }))),
    ),
  ]);
  const fileKeys = new Set(paths.filter((_, index) => heads[index] !== null).map((path) => storage.keys.fileKey(path)));
  const directories = new Set(
    filePaths.filter((_, index) => listings[index]!.objects.length > 0).map((path) => path.relative),
  );
  return {
    isFile: (path) => fileKeys.has(storage.keys.fileKey(path)),
    isDirectory: (path) => directories.has(path.relative),
  };
}

async function restoreObject(storage: Storage, plan: RestorePlan): Promise<"restored" | "occupied"> {
  const trashKey = plan.object.key;
  const body = await r2(() => storage.bucket.get(trashKey));
  if (!body) return "restored"; // purged or restored concurrently; nothing left to do
  const size = plan.kind === "file" ? body.size : 0;
  await storage.meter.adjust(size);
  let outcome: Awaited<ReturnType<typeof copyCreateOnly>>;
  try {
    outcome = await copyCreateOnly(storage, body, storage.keys.keyFor(plan.target, plan.kind), undefined);
  } catch (error) {
    await storage.meter.adjust(-size);
    throw error;
  }
  if (!("copy" in outcome)) {
    await storage.meter.adjust(-size);
    // A directory marker that already exists is the directory we wanted: done.
    if (plan.kind === "marker") {
      await r2(() => storage.bucket.delete(trashKey));
      return "restored";
    }
    return "occupied";
  }
  await r2(() => storage.bucket.delete(trashKey));
  return "restored";
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
