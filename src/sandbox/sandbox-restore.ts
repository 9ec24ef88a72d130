/**
 * Restoring from the tenant's trash (sandbox-trash.ts puts things there): a trash entry, or the part of
 * it at or below an original path, comes back where it was or under a new destination, with create-only
 * puts, so nothing is ever overwritten (invariant 6, docs/architecture.md).
 *
 * - Every object is judged by the caller's policy gate before anything moves: `restore` and `write` at
 *   its target, and `read` at its original path when the target differs (src/sandbox/object-access.ts).
 * - An occupied target is found up front, so a restore that cannot complete changes nothing; restored
 *   objects leave the trash, anything not restored stays there.
 * - Storage quota: restoring reserves each file's bytes before its put and hands them back if the put
 *   does not happen (trash never counted).
 */

import { labelMetadataOf } from "../content/labels";
import { ToolError } from "../errors/tool-error";
import { requireLabelRules, requireRestoreAccess, restoreEnds } from "./object-access";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import { assertTrashId, type TrashItem, toTrashItem } from "./sandbox-trash";
import { copyCreateOnly, forEachLimited, listSubtree, r2, rebase, type Storage } from "./storage";
import type { StoredKind } from "./storage-keys";
import { MAX_TREE_OBJECTS, TREE_CONCURRENCY } from "./tree-limits";

/** How much of a restore's destination is listed to find clashes before falling back to HEADs. */
const DESTINATION_LIST_LIMIT = 1000;

export interface RestoreReceipt {
  readonly trashId: string;
  readonly destination: SandboxPath;
  readonly files: number;
  readonly size: number;
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
  // Label rules too, by the label the trash kept: restoring puts that content at its target as a write
  // would ("nobody writes a secret under shared/").
  for (const plan of plans) requireRestoreAccess(storage, plan.item.path, plan.target);
  for (const plan of plans)
    requireLabelRules(storage, plan.object, plan.kind, restoreEnds(plan.item.path, plan.target));
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
    // The restored object keeps the label the trash kept (none when it did not fit there).
    outcome = await copyCreateOnly(
      storage,
      body,
      storage.keys.keyFor(plan.target, plan.kind),
      labelMetadataOf(body.customMetadata),
    );
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
