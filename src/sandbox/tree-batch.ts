/**
 * One step of a background directory operation: up to OPERATION_BATCH_OBJECTS stored objects, listed
 * after the previous step's last key, each moved/copied/trashed/restored with the same primitives as
 * the synchronous tools (create-only verified copy → delete-if-unchanged), so nothing is ever lost.
 *
 * Steps are retried by the Workflow after a failure part-way, so every object's handling is resumable:
 * a target that already holds this server's copy of that very version (object-access.ts `isResumable`;
 * for the trash, the recorded original etag) is this operation's own earlier attempt, and the step
 * finishes that object instead of failing. Objects that changed meanwhile, or whose target someone else took, are left where they are
 * and reported; the operation goes on with the rest.
 */

import { labelMetadataOf } from "../content/labels";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import {
  isResumable,
  requireLabelRules,
  requireRestoreAccess,
  restoreEnds,
  transferAccesses,
  transferEnds,
} from "./object-access";
import {
  MAX_RECORDED_ERRORS,
  type OperationError,
  type OperationProgress,
  type TreeOperationPlan,
} from "./operation-record";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import {
  copyCreateOnly,
  deleteIfUnchanged,
  forEachLimited,
  r2,
  rebase,
  requireAccess,
  type Storage,
  toStoredObject,
  trashMetadata,
} from "./storage";
import type { StoredKind } from "./storage-keys";

/** Objects per step: about 4 R2 operations each, far inside a step's budget, and a few seconds of work. */
export const OPERATION_BATCH_OBJECTS = 100;
/** Objects handled at once: R2 latency dominates, and Workers allow 6 simultaneous connections. */
const CONCURRENCY = 6;

export interface BatchResult {
  /** The last key handled, relative to the listed prefix; undefined when the listing is exhausted. */
  readonly next: string | undefined;
  readonly progress: OperationProgress;
  readonly errors: OperationError[];
  readonly errorCount: number;
  /**
   * Set when a caller's condition (the storage quota, a path too long for the tenant) stopped the
   * step part-way: the operation ends there, and `progress` is exactly what was done before it.
   */
  readonly stopped?: OperationError;
}

interface Tally {
  objects: number;
  files: number;
  bytes: number;
  resumed: number;
  skipped: number;
  errors: OperationError[];
  errorCount: number;
}

function note(tally: Tally, error: OperationError): void {
  tally.skipped++;
  tally.errorCount++;
  if (tally.errors.length < MAX_RECORDED_ERRORS) tally.errors.push(error);
}

function done(tally: Tally, kind: StoredKind, size: number): void {
  tally.objects++;
  if (kind === "file") {
    tally.files++;
    tally.bytes += size;
  }
}

export function listedPrefix(storage: Storage, plan: TreeOperationPlan): string {
  if (plan.kind === "restore") return storage.keys.trashEntryPrefix(plan.trashId!);
  return storage.keys.directoryPrefix(parseSandboxPath(plan.source, "source", { allowRoot: false }));
}

export async function runTreeBatch(
  storage: Storage,
  plan: TreeOperationPlan,
  after: string | undefined,
): Promise<BatchResult> {
  const prefix = listedPrefix(storage, plan);
  const page = await r2(() =>
    storage.bucket.list({
      prefix,
      limit: OPERATION_BATCH_OBJECTS,
      ...(after !== undefined ? { startAfter: prefix + after } : {}),
      // Labels decide label rules (checkOperationObject); the trash's metadata says where things go.
      include: ["customMetadata" as const],
    }),
  );
  const tally: Tally = { objects: 0, files: 0, bytes: 0, resumed: 0, skipped: 0, errors: [], errorCount: 0 };
  const handle = HANDLERS[plan.kind];
  let stopped: OperationError | undefined;
  await forEachLimited(page.objects, CONCURRENCY, async (object) => {
    if (stopped) return; // objects in flight finish (and count); no new one starts
    try {
      await handle(storage, plan, object, tally);
    } catch (error) {
      // Retrying cannot help the caller's condition; an outage is thrown on for the engine to retry.
      if (!(error instanceof ToolError)) throw error;
      stopped ??= { code: error.code, message: error.message };
    }
  });
  const last = page.objects.at(-1);
  const { errors, errorCount, ...progress } = tally;
  return {
    next: !stopped && page.truncated && last ? last.key.slice(prefix.length) : undefined,
    progress,
    errors,
    errorCount,
    ...(stopped ? { stopped } : {}),
  };
}

/** Objects one preflight step checks (one R2 listing page). */
export const PREFLIGHT_PAGE_OBJECTS = 1000;
/** R2 list calls one preflight step makes at most (100 keys each with metadata, and a margin). */
const PREFLIGHT_CALLS = 12;

/**
 * What the policy gate requires of one object of a background operation, as for the synchronous tools:
 * `delete` to trash it; `read` (+ `delete`, `move`) at its source and `write` (+ `move`) at its target to
 * move or copy it; `restore` + `write` at its target and `read` at its original path to restore it
 * elsewhere. Throws the gate's ToolError. Objects outside what the plan covers need nothing.
 */
export function checkOperationObject(storage: Storage, plan: TreeOperationPlan, object: R2Object): void {
  if (plan.kind === "restore") {
    const restored = restoredObject(storage, plan, object);
    if (restored) {
      requireRestoreAccess(storage, restored.path, restored.target);
      requireLabelRules(storage, object, restored.kind, restoreEnds(restored.path, restored.target));
    }
    return;
  }
  const item = toStoredObject(storage.keys, sourceOf(plan), object);
  if (plan.kind === "delete") {
    requireAccess(storage, ["delete"], item.path);
    return;
  }
  const required = transferAccesses(plan.kind);
  const target = rebase(item.path, sourceOf(plan), destinationOf(plan), "destination");
  requireAccess(storage, required.source, item.path);
  requireAccess(storage, required.target, target);
  requireLabelRules(storage, object, item.kind, transferEnds(plan.kind, item.path, target));
}

/**
 * The preflight of a background operation: one page of the objects it will touch, each judged by the
 * gate before the first batch changes anything, so an operation that would touch a denied object is
 * refused whole, as the synchronous call would be. `refusal` is the first object's refusal, if any.
 */
export async function checkOperationPage(
  storage: Storage,
  plan: TreeOperationPlan,
  after: string | undefined,
): Promise<{ next: string | undefined; refusal: ToolError | undefined }> {
  const prefix = listedPrefix(storage, plan);
  // With metadata (the labels label rules judge) R2 lists at most 100 keys per call: a step reads up to
  // PREFLIGHT_PAGE_OBJECTS in several calls, so an operation takes as many preflight steps as before.
  let last = after;
  let cursor: string | undefined;
  for (let checked = 0, calls = 0; checked < PREFLIGHT_PAGE_OBJECTS && calls < PREFLIGHT_CALLS; calls++) {
    const page = await r2(() =>
      storage.bucket.list({
        prefix,
        limit: PREFLIGHT_PAGE_OBJECTS - checked,
        include: ["customMetadata" as const],
        ...(cursor !== undefined ? { cursor } : last !== undefined ? { startAfter: prefix + last } : {}),
      }),
    );
    for (const object of page.objects) {
      try {
        checkOperationObject(storage, plan, object);
      } catch (error) {
        if (error instanceof ToolError) return { next: undefined, refusal: error };
        throw error;
      }
    }
    if (!page.truncated) return { next: undefined, refusal: undefined };
    const lastObject = page.objects.at(-1);
    if (lastObject) last = lastObject.key.slice(prefix.length);
    checked += page.objects.length;
    cursor = page.cursor;
  }
  // Never "done" without having read to the end: no progress at all is R2 misbehaving (retried).
  if (last === undefined || last === after) {
    throw new DependencyUnavailableError("r2", { cause: new Error("preflight listing made no progress") });
  }
  return { next: last, refusal: undefined };
}

type Handler = (storage: Storage, plan: TreeOperationPlan, object: R2Object, tally: Tally) => Promise<void>;

/**
 * Each object is judged again where it is touched: something that appeared after the preflight is held
 * to the same rules; a refused object stays where it is and is reported, like one that changed.
 */
function gated(handle: Handler): Handler {
  return async (storage, plan, object, tally) => {
    try {
      checkOperationObject(storage, plan, object);
    } catch (error) {
      if (!(error instanceof ToolError)) throw error;
      note(tally, { code: error.code, message: error.message });
      return;
    }
    await handle(storage, plan, object, tally);
  };
}

const sourceOf = (plan: TreeOperationPlan) => parseSandboxPath(plan.source, "source", { allowRoot: false });
const destinationOf = (plan: TreeOperationPlan) =>
  parseSandboxPath(plan.destination ?? plan.source, "destination", { allowRoot: false });

const trashOne: Handler = async (storage, plan, object, tally) => {
  const item = toStoredObject(storage.keys, sourceOf(plan), object);
  const original = await r2(() => storage.bucket.get(object.key));
  if (!original) return; // gone meanwhile
  const trashKey =
    item.kind === "file"
      ? storage.keys.trashKey(plan.trashId!, item.path)
      : storage.keys.trashMarkerKey(plan.trashId!, item.path);
  const outcome = await copyCreateOnly(
    storage,
    original,
    trashKey,
    trashMetadata(original, {
      originalPath: item.path.relative,
      deletedPath: plan.source,
      deletedAt: plan.startedAt,
      originalEtag: original.etag,
    }),
  );
  const created = "copy" in outcome;
  if (!created) {
    const existing = outcome.existing;
    // Our own copy from an interrupted attempt carries the original's etag; anything else is a fault.
    if (existing?.customMetadata?.originalEtag !== original.etag || existing.size !== original.size) {
      throw new DependencyUnavailableError("r2", { cause: new Error("trash key already occupied") });
    }
    tally.resumed++;
  }
  if (!(await deleteIfUnchanged(storage, object.key, original.etag))) {
    if (created) await r2(() => storage.bucket.delete(trashKey));
    note(tally, { code: "conflict", path: item.path.display, message: "changed during the delete; left in place" });
    return;
  }
  if (item.kind === "file") await storage.meter.adjust(-original.size);
  done(tally, item.kind, original.size);
};

/** Move or copy one object under the source to its place under the destination. */
function transferOne(mode: "move" | "copy"): Handler {
  return async (storage, plan, object, tally) => {
    const item = toStoredObject(storage.keys, sourceOf(plan), object);
    const target = rebase(item.path, sourceOf(plan), destinationOf(plan), "destination");
    const targetKey = storage.keys.keyFor(target, item.kind);
    const body = await r2(() => storage.bucket.get(object.key));
    if (!body) return;
    if (body.etag !== object.etag) {
      // Changed since it was judged: what is taken is judged again by its own label.
      try {
        requireLabelRules(storage, body, item.kind, transferEnds(mode, item.path, target));
      } catch (error) {
        await body.body.cancel();
        if (!(error instanceof ToolError)) throw error;
        note(tally, {
          code: error.code,
          path: item.path.display,
          message: "changed and is refused there; left in place",
        });
        return;
      }
    }
    const reserved = mode === "copy" && item.kind === "file" ? body.size : 0;
    await storage.meter.adjust(reserved);
    let created = false;
    try {
      const outcome = await copyCreateOnly(storage, body, targetKey, body.customMetadata);
      created = "copy" in outcome;
      if (!created && !("copy" in outcome)) {
        const existing = outcome.existing;
        if (!existing || !isResumable(storage, target, item.kind, existing, { object: body, from: item.path })) {
          note(tally, {
            code: "already_exists",
            path: target.display,
            message: "the target was taken by someone else",
          });
          return;
        }
        tally.resumed++;
      }
    } finally {
      if (!created) await storage.meter.adjust(-reserved);
    }
    if (mode === "move" && !(await deleteIfUnchanged(storage, object.key, body.etag))) {
      if (created) await r2(() => storage.bucket.delete(targetKey));
      note(tally, { code: "conflict", path: item.path.display, message: "changed during the move; left in place" });
      return;
    }
    done(tally, item.kind, body.size);
  };
}

/**
 * The trash object a restore covers — its original path and where it goes — or undefined for one it
 * leaves alone: a key not written by this server (left for the operator) or another part of the entry
 * than the one asked for. The preflight and the batch both ask this, so they judge the same objects.
 */
function restoredObject(
  storage: Storage,
  plan: TreeOperationPlan,
  object: R2Object,
): { kind: StoredKind; path: SandboxPath; target: SandboxPath } | undefined {
  const parsed = storage.keys.parseTrashKey(object.key);
  if (!parsed) return undefined;
  let path: SandboxPath;
  try {
    path = parseSandboxPath(parsed.pathText, "stored key", { allowRoot: false });
  } catch {
    return undefined;
  }
  const root = sourceOf(plan);
  if (!root.isSameOrAncestorOf(path)) return undefined;
  return { kind: parsed.kind, path, target: rebase(path, root, destinationOf(plan), "destination") };
}

const restoreOne: Handler = async (storage, plan, object, tally) => {
  const restored = restoredObject(storage, plan, object);
  if (!restored) return;
  const { kind, target } = restored;
  const body = await r2(() => storage.bucket.get(object.key));
  if (!body) return;
  // Trash objects are never rewritten in place, so the body is what was judged.
  const reserved = kind === "file" ? body.size : 0;
  await storage.meter.adjust(reserved);
  let created = false;
  try {
    const outcome = await copyCreateOnly(
      storage,
      body,
      storage.keys.keyFor(target, kind),
      labelMetadataOf(body.customMetadata),
    );
    created = "copy" in outcome;
    if (!("copy" in outcome) && kind === "file") {
      const existing = outcome.existing;
      if (!existing || !isResumable(storage, target, "file", existing, { object: body, from: restored.path })) {
        note(tally, {
          code: "already_exists",
          path: target.display,
          message: `a file is already there; it stays in the trash as ${plan.trashId}`,
        });
        return;
      }
      tally.resumed++;
    }
  } finally {
    if (!created) await storage.meter.adjust(-reserved);
  }
  await r2(() => storage.bucket.delete(object.key));
  done(tally, kind, body.size);
};

const HANDLERS: Record<TreeOperationPlan["kind"], Handler> = {
  delete: gated(trashOne),
  move: gated(transferOne("move")),
  copy: gated(transferOne("copy")),
  restore: gated(restoreOne),
};
