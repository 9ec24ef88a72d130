/**
 * move_file over an object store with no rename: per object, a create-only copy, a verification, then
 * a delete of the source only if it is still the version that was copied (invariant 6, docs/architecture.md).
 * copy_file is the same walk without the deletes (mode "copy"): the same up-front checks, create-only
 * verified copies and convergent retries, and the copied bytes reserved against the storage quota.
 *
 * - A failure at any step leaves the source intact: until its delete, the source is untouched, and the
 *   delete is the last step for each object.
 * - Never over existing data: copies are create-only, and every target is checked before anything is
 *   copied, so a move that cannot complete changes nothing.
 * - Retries converge: a target that already holds an identical copy (same size and etag) that this
 *   server made from that very version of the source (or, for a caller allowed to compare the two, any
 *   identical copy: object-access.ts `isResumable`) is taken to be this move's own earlier, interrupted
 *   attempt, and the move finishes instead of failing. For a
 *   directory, the destination may then exist, but only if at least one object in it is such a copy and
 *   no target holds different content; otherwise an existing destination is refused, as in the
 *   reference server.
 * - Directory moves are bounded (MAX_TREE_OBJECTS) and never into the directory itself.
 * - Storage quota: a move is net zero, so the meter is not touched (bytes exist twice only transiently);
 *   a copy reserves each file's bytes before its put and hands them back if the put does not happen.
 */
import { ToolError } from "../errors/tool-error";
import { isResumable, requireLabelRules, type TransferMode, transferAccesses, transferEnds } from "./object-access";
import type { SandboxPath } from "./sandbox-path";
import { keepParent } from "./sandbox-trash";
import {
  copyCreateOnly,
  deleteIfUnchanged,
  type EntryInfo,
  forEachLimited,
  listSubtree,
  listWholeSubtree,
  r2,
  rebase,
  requireAccess,
  type Storage,
} from "./storage";
import type { StoredKind } from "./storage-keys";
import { MAX_TREE_OBJECTS, TREE_CONCURRENCY } from "./tree-limits";

const EXISTING_LIST_LIMIT = 1000;

export interface MoveReceipt {
  readonly source: SandboxPath;
  readonly destination: SandboxPath;
  readonly type: "file" | "directory";
  /** Objects moved (files and directory markers). */
  readonly objects: number;
  /** Objects found already copied by an earlier, interrupted attempt. */
  readonly resumed: number;
}

interface MovePlan {
  readonly sourcePath: SandboxPath;
  readonly targetPath: SandboxPath;
  readonly from: string;
  readonly to: string;
  readonly source: R2Object;
  readonly existing: R2Object | null;
  readonly display: string;
  readonly targetDisplay: string;
}

export type { TransferMode };

const VERB = {
  move: { done: "moved", doing: "being moved", base: "move" },
  copy: { done: "copied", doing: "being copied", base: "copy" },
} as const;

export interface MoveChecks {
  stat(path: SandboxPath): Promise<EntryInfo | null>;
  assertWritable(path: SandboxPath, kind: StoredKind): Promise<void>;
}

function sourceChanged(display: string): ToolError {
  return new ToolError(
    "conflict",
    `${display} changed while it was being moved; it was left in place. Retry the move.`,
    { path: display },
  );
}

export async function moveEntry(
  storage: Storage,
  source: SandboxPath,
  destination: SandboxPath,
  checks: MoveChecks,
  mode: TransferMode = "move",
): Promise<MoveReceipt> {
  const verb = VERB[mode];
  if (source.isSameOrAncestorOf(destination)) {
    throw new ToolError(
      "invalid_arguments",
      source.relative === destination.relative
        ? "source and destination are the same path"
        : `Cannot ${verb.base} ${source.display} into itself`,
      { parameter: "destination" },
    );
  }
  // The named paths first, so that whether something exists there is not answered to a caller refused it.
  requireAccess(storage, transferAccesses(mode).source, source);
  requireAccess(storage, transferAccesses(mode).target, destination);
  const info = await checks.stat(source);
  if (!info) throw new ToolError("not_found", `No such file or directory: ${source.display}`, { path: source.display });
  const kind: StoredKind = info.type === "file" ? "file" : "marker";
  await checks.assertWritable(destination, kind);

  const plans =
    info.type === "file"
      ? await planFile(storage, source, destination)
      : await planDirectory(storage, source, destination, mode);
  // Every object, at its own source and target, before anything changes: a subtree holding one object
  // the caller may not read (or a target it may not write) is refused whole.
  // Label rules too, by the label each object carries: a copy puts that content at its target as a
  // write would.
  const required = transferAccesses(mode);
  for (const plan of plans) {
    requireAccess(storage, required.source, plan.sourcePath);
    requireAccess(storage, required.target, plan.targetPath);
  }
  for (const plan of plans) {
    const kind = plan.from.endsWith("/") ? "marker" : "file";
    requireLabelRules(storage, plan.source, kind, transferEnds(mode, plan.sourcePath, plan.targetPath));
  }
  const clashes = plans.filter(
    (plan) =>
      plan.existing &&
      !isResumable(storage, plan.targetPath, plan.from.endsWith("/") ? "marker" : "file", plan.existing, {
        object: plan.source,
        from: plan.sourcePath,
      }),
  );
  const resumed = plans.length - clashes.length - plans.filter((plan) => !plan.existing).length;
  // Evidence of our own earlier attempt is an identical *file*: an identical directory marker is just
  // an empty object, which any directory of that name has. A source with no files left (only markers,
  // as after an attempt interrupted at the very end) merges empty directories and loses nothing.
  const files = plans.filter((plan) => !plan.from.endsWith("/"));
  const resumedFiles = files.filter((plan) => plan.existing !== null).length;
  const destinationExists = info.type === "directory" && (await checks.stat(destination)) !== null;
  if (clashes.length > 0 || (destinationExists && resumedFiles === 0 && files.length > 0)) {
    throw new ToolError(
      "already_exists",
      // The count is of targets in the way, whether they differ or may not be compared: never which.
      `${destination.display} already exists${clashes.length > 1 ? ` (${clashes.length} files are in the way)` : ""}; nothing was ${verb.done}.`,
      { path: destination.display },
    );
  }

  // Files before markers, so an interrupted move leaves no file without its directory on either side.
  const ordered = [...plans.filter((p) => !p.from.endsWith("/")), ...plans.filter((p) => p.from.endsWith("/"))];
  const changed: string[] = [];
  await forEachLimited(ordered, TREE_CONCURRENCY, async (plan) => {
    const done = mode === "move" ? await moveObject(storage, plan) : await copyObject(storage, plan);
    if (!done) changed.push(plan.display);
  });
  if (mode === "move") await keepParent(storage, source);
  if (changed.length > 0) {
    if (info.type === "file") throw sourceChanged(source.display);
    throw new ToolError(
      "conflict",
      `${changed.length} file(s) under ${source.display} changed during the move and were left in place; the rest was moved. Retry to finish.`,
      { path: source.display, changed: changed.length },
    );
  }
  return { source, destination, type: info.type, objects: plans.length, resumed };
}

async function planFile(storage: Storage, source: SandboxPath, destination: SandboxPath): Promise<MovePlan[]> {
  const from = storage.keys.fileKey(source);
  const to = storage.keys.fileKey(destination);
  const [object, existing] = await Promise.all([
    r2(() => storage.bucket.head(from)),
    r2(() => storage.bucket.head(to)),
  ]);
  if (!object) throw new ToolError("not_found", `No such file: ${source.display}`, { path: source.display });
  return [
    {
      sourcePath: source,
      targetPath: destination,
      from,
      to,
      source: object,
      existing,
      display: source.display,
      targetDisplay: destination.display,
    },
  ];
}

async function planDirectory(
  storage: Storage,
  source: SandboxPath,
  destination: SandboxPath,
  mode: TransferMode,
): Promise<MovePlan[]> {
  const objects = await listWholeSubtree(storage, source, MAX_TREE_OBJECTS, mode, { metadata: true });
  const targets = objects.map((stored) => {
    const target = rebase(stored.path, source, destination, "destination");
    return { stored, target, to: storage.keys.keyFor(target, stored.kind) };
  });
  // One listing of the destination instead of a HEAD per target: it keeps a 200-object move near 800
  // R2 operations (Workers allow about 1,000 per invocation). A destination with more objects than
  // we list cannot be a leftover of this move, so it is simply refused as existing.
  const present = await listSubtree(storage, destination, EXISTING_LIST_LIMIT, { metadata: true });
  if (present.more)
    throw new ToolError("already_exists", `${destination.display} already exists; nothing was ${VERB[mode].done}.`, {
      path: destination.display,
    });
  const existing = new Map(present.objects.map((stored) => [stored.object.key, stored.object]));
  return targets.map(({ stored, target, to }) => ({
    sourcePath: stored.path,
    targetPath: target,
    from: stored.object.key,
    to,
    source: stored.object,
    existing: existing.get(to) ?? null,
    display: stored.path.display,
    targetDisplay: target.display,
  }));
}

/** One object: copy (or find an identical earlier copy), then delete the source if unchanged. */
async function moveObject(storage: Storage, plan: MovePlan): Promise<boolean> {
  if (!plan.existing) {
    const body = await r2(() => storage.bucket.get(plan.from));
    if (!body) return true; // moved or deleted meanwhile by someone else; nothing of ours to lose
    if (body.etag !== plan.source.etag) {
      await body.body.cancel();
      return false;
    }
    const outcome = await copyCreateOnly(storage, body, plan.to, body.customMetadata);
    if (!("copy" in outcome)) {
      // Someone created the target since we checked. Not ours: leave both alone.
      throw new ToolError(
        "already_exists",
        `${plan.targetDisplay} was created by someone else during the move; ${plan.display} was left in place.`,
        {
          path: plan.targetDisplay,
        },
      );
    }
  }
  if (await deleteIfUnchanged(storage, plan.from, plan.source.etag)) return true;
  // The source changed after the copy: the copy is stale, and ours to remove (create-only made it ours),
  // unless it was already there from an earlier attempt, which we leave as we found it.
  if (!plan.existing) await r2(() => storage.bucket.delete(plan.to));
  return false;
}

/**
 * One object copied (or found identical from an earlier attempt). The source stays; the current version
 * is what gets copied. Returns true: a copy has nothing to leave behind on a change.
 */
async function copyObject(storage: Storage, plan: MovePlan): Promise<boolean> {
  if (plan.existing) return true;
  const body = await r2(() => storage.bucket.get(plan.from));
  if (!body) return true; // deleted meanwhile: nothing to copy
  if (body.etag !== plan.source.etag) {
    // Changed since it was judged: what is copied is judged again by its own label.
    try {
      const kind = plan.from.endsWith("/") ? "marker" : "file";
      requireLabelRules(storage, body, kind, transferEnds("copy", plan.sourcePath, plan.targetPath));
    } catch (error) {
      await body.body.cancel();
      throw error;
    }
  }
  const bytes = plan.from.endsWith("/") ? 0 : body.size;
  await storage.meter.adjust(bytes);
  let outcome: Awaited<ReturnType<typeof copyCreateOnly>>;
  try {
    outcome = await copyCreateOnly(storage, body, plan.to, body.customMetadata);
  } catch (error) {
    await storage.meter.adjust(-bytes);
    throw error;
  }
  if ("copy" in outcome) return true;
  await storage.meter.adjust(-bytes);
  if (plan.to.endsWith("/")) return true; // an existing directory marker is the directory we wanted
  throw new ToolError(
    "already_exists",
    `${plan.targetDisplay} was created by someone else during the copy; it was not overwritten.`,
    { path: plan.targetDisplay },
  );
}
