/**
 * What the sandbox modules share, and nothing outside `src/sandbox/` imports: the bucket handle with the
 * tenant's keys, the R2 error wrapper, and the one primitive every "nothing lost" operation is built from
 * (copy → verify → delete-if-unchanged). Tools only ever see the `Sandbox` class, so the bucket stays
 * private to this folder, and every key still comes from `TenantKeys` (invariant 1, docs/architecture.md).
 *
 * R2 has no rename and no conditional delete, so a move is: a streamed, create-only copy; a check that
 * the copy has the source's size and (for single-part objects) its MD5 etag; a re-read of the source's
 * etag; then the delete. The remaining race (a write to the source between that re-read and the delete)
 * is a few milliseconds wide and cannot be closed without a conditional delete; it is documented in
 * docs/tools.md.
 */
import { labelMetadataOf } from "../content/labels";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import type { Action } from "../policy/access";
import type { AccessGate } from "../policy/gate";
import { utf8Bytes } from "./key-budget";
import type { ContentRecord } from "./sandbox-content";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import { type StoredVersion, shownEtag } from "./shown-etag";
import { createTenantKeys, type StoredKind, type TenantKeys } from "./storage-keys";

export interface EntryInfo {
  readonly path: SandboxPath;
  readonly type: "file" | "directory";
  /** Bytes; 0 for directories. */
  readonly size: number;
  readonly modified: Date | undefined;
  /**
   * Inside the sandbox: R2's strong etag (unquoted); undefined for implied directories. As the caller
   * sees it (`asSeen`): what shown-etag.ts allows, possibly an opaque version tag, or none.
   */
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
  /** The stored object's version facts, for `asSeen`; never leaves the sandbox (asSeen drops it). */
  readonly stored?: StoredVersion | undefined;
}

/**
 * The tenant's stored-bytes ledger (storage quota). The sandbox reports every change in live file bytes:
 * before storing it calls `adjust(+n)`, which refuses with `ToolError("quota_exceeded")` and records
 * nothing if the quota would be exceeded; after removing it calls `adjust(-n)`, which is never refused.
 * A reservation whose write then fails is handed back with the opposite adjustment. Trash does not count:
 * deleting frees quota, restoring takes it again.
 */
export interface StorageMeter {
  adjust(deltaBytes: number): Promise<void>;
}

/** For deployments and tests without a storage quota. */
export const UNMETERED: StorageMeter = { adjust: async () => undefined };

export interface Storage {
  readonly bucket: R2Bucket;
  readonly keys: TenantKeys;
  readonly now: () => number;
  readonly meter: StorageMeter;
  /**
   * The caller's policy gate (src/policy/gate.ts): every object touched on the caller's behalf is
   * checked here, by canonical path and action, before the R2 access that touches it.
   */
  readonly gate: AccessGate;
  /** Records what content a call read or wrote (labels, redactions; never text) for its audit events. */
  readonly report: (record: ContentRecord) => void;
}

/** The storage a sandbox (or a background step) works on for one tenant and one caller's gate. */
export function createStorage(
  bucket: R2Bucket,
  tenant: string,
  options: {
    gate: AccessGate;
    now?: (() => number) | undefined;
    meter?: StorageMeter | undefined;
    report?: ((record: ContentRecord) => void) | undefined;
  },
): Storage {
  return {
    bucket,
    keys: createTenantKeys(tenant),
    now: options.now ?? Date.now,
    meter: options.meter ?? UNMETERED,
    gate: options.gate,
    report: options.report ?? (() => undefined),
  };
}

/** Every action in `actions` on `path`, or a tool error naming the rule; nothing is touched on refusal. */
export function requireAccess(storage: Storage, actions: readonly Action[], path: SandboxPath): void {
  for (const action of actions) storage.gate.require(action, path.relative);
}

/**
 * Whether a listing may show `path` at all: the caller may `list` it and every directory above it (a
 * name below a hidden directory would reveal the directory's name).
 */
export function isVisible(storage: Storage, path: SandboxPath): boolean {
  return (
    storage.gate.permits("list", path.relative) &&
    path.ancestors().every((ancestor) => storage.gate.permits("list", ancestor.relative))
  );
}

/**
 * An entry as the caller may see it: R2's etag is the MD5 of the content, so the caller is shown the
 * etag shown-etag.ts allows (none without `read`; an opaque version tag where its view is redacted or
 * unknown), never the internal version facts.
 */
export function asSeen(storage: Storage, info: EntryInfo): EntryInfo {
  const { stored, ...rest } = info;
  if (info.etag === undefined) return rest;
  return { ...rest, etag: stored ? shownEtag(storage, info.path, stored) : undefined };
}

export async function r2<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new DependencyUnavailableError("r2", { cause: error });
  }
}

/** A fresh header set each time: Headers objects are mutable and must not be shared between calls. */
export function createOnly(): Headers {
  return new Headers({ "If-None-Match": "*" });
}

/** Accepts `abc` and `"abc"`; R2 etags are strong, so a weak one never matches. */
export function normalizeEtag(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
}

export function fileInfo(path: SandboxPath, object: R2Object): EntryInfo {
  return {
    path,
    type: "file",
    size: object.size,
    modified: object.uploaded,
    etag: object.etag,
    contentType: object.httpMetadata?.contentType,
    stored: object,
  };
}

export function directoryInfo(path: SandboxPath, marker?: R2Object): EntryInfo {
  return { path, type: "directory", size: 0, modified: marker?.uploaded, etag: undefined, contentType: undefined };
}

/** One stored object under a directory: a file, or an explicit directory marker (possibly the base's own). */
export interface StoredObject {
  readonly path: SandboxPath;
  readonly kind: StoredKind;
  readonly object: R2Object;
  /** The key with the base directory's prefix removed: `a/b.txt`, `a/` for a marker, `` for the base's own. */
  readonly suffix: string;
}

/**
 * Reads a key listed under `base`'s prefix back into a path. Keys were canonical when written, so this
 * only fails if something other than this server wrote into the bucket.
 */
export function toStoredObject(keys: TenantKeys, base: SandboxPath, object: R2Object): StoredObject {
  const suffix = object.key.slice(keys.directoryPrefix(base).length);
  if (suffix === "") return { path: base, kind: "marker", object, suffix };
  const marker = suffix.endsWith("/");
  const path = parseSandboxPath(`${base.relative}/${marker ? suffix.slice(0, -1) : suffix}`, "stored key");
  return { path, kind: marker ? "marker" : "file", object, suffix };
}

/** `path` with its leading `from` replaced by `to` (`from` must be `path` itself or an ancestor). */
export function rebase(path: SandboxPath, from: SandboxPath, to: SandboxPath, parameter: string): SandboxPath {
  const rest = path.segments.slice(from.segments.length);
  return parseSandboxPath([...to.segments, ...rest].join("/"), parameter);
}

/** R2's limit on an object's custom metadata, keys and values together, in bytes. */
const MAX_CUSTOM_METADATA_BYTES = 2048;
/**
 * Every copy this server makes records the version it was copied from, so that a retry can tell its own
 * earlier copy from anything else without comparing contents (object-access.ts `isResumable`).
 */
const COPIED_FROM = "copied-from-version";
const COPIED_FROM_BYTES = COPIED_FROM.length + 64;

/** `copy` was made by this server from exactly this version of `source` (and holds its bytes). */
export function isCopyOf(copy: R2Object, source: R2Object): boolean {
  return copy.customMetadata?.[COPIED_FROM] === source.version && isIdenticalCopy(copy, source);
}

/**
 * A trash object's metadata: where it came from, and the original's label when it fits beside that
 * (very long paths leave no room: the restored file is then unlabelled, and classified on its next read).
 */
export function trashMetadata(original: R2Object, trash: Record<string, string>): Record<string, string> {
  const withLabelKeys = { ...labelMetadataOf(original.customMetadata), ...trash };
  let bytes = 0;
  for (const [key, value] of Object.entries(withLabelKeys)) bytes += utf8Bytes(key) + utf8Bytes(value);
  return bytes <= MAX_CUSTOM_METADATA_BYTES - COPIED_FROM_BYTES ? withLabelKeys : trash;
}

/** Multipart uploads get `<md5 of part md5s>-<parts>` etags, which a single-part copy cannot reproduce. */
function isMultipartEtag(etag: string): boolean {
  return etag.includes("-");
}

/** The copy is what was read: same size and, where R2's etag is a content MD5, the same etag. */
export function isIdenticalCopy(copy: R2Object, original: R2Object): boolean {
  return copy.size === original.size && (isMultipartEtag(original.etag) || copy.etag === original.etag);
}

export type CopyOutcome = { readonly copy: R2Object } | { readonly existing: R2Object | null };

/**
 * Streams `source` to `toKey` only if nothing is there (create-only), with `customMetadata` and the
 * version it was copied from (`isCopyOf`). Returns the
 * copy, or what occupies `toKey` when the precondition failed. A copy that does not verify is removed
 * again (we made it, nothing else can have) and reported as an R2 failure.
 */
export async function copyCreateOnly(
  storage: Storage,
  source: R2ObjectBody,
  toKey: string,
  customMetadata: Record<string, string> | undefined,
): Promise<CopyOutcome> {
  const copy = await r2(() =>
    storage.bucket.put(toKey, source.body.pipeThrough(new FixedLengthStream(source.size)), {
      onlyIf: createOnly(),
      httpMetadata: source.httpMetadata ?? {},
      customMetadata: { ...customMetadata, [COPIED_FROM]: source.version },
    }),
  );
  if (!copy) return { existing: await r2(() => storage.bucket.head(toKey)) };
  if (!isIdenticalCopy(copy, source)) {
    await r2(() => storage.bucket.delete(toKey));
    throw new DependencyUnavailableError("r2", { cause: new Error("copy could not be verified") });
  }
  return { copy };
}

/**
 * Deletes `key` if it still holds the version with `etag`; returns false (and deletes nothing) if it
 * changed or vanished meanwhile, so newer content is never deleted unseen.
 */
export async function deleteIfUnchanged(storage: Storage, key: string, etag: string): Promise<boolean> {
  const current = await r2(() => storage.bucket.head(key));
  if (current?.etag !== etag) return false;
  await r2(() => storage.bucket.delete(key));
  return true;
}

/** Runs `task` over `items` with at most `concurrency` in flight; the first failure stops new starts. */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (rejected) throw rejected.reason;
}

/**
 * Every object under `base` (its own marker included), up to `max`, in key order. `more` says there
 * were further objects; callers that act on a whole subtree refuse rather than act on part of it.
 */
const TREE_VERBS = {
  move: { does: "moves", imperative: "Move", done: "moved" },
  copy: { does: "copies", imperative: "Copy", done: "copied" },
  delete: { does: "deletes", imperative: "Delete", done: "deleted" },
} as const;

/**
 * Every object under `base` for an operation that must handle the whole subtree or nothing: more than
 * `max` objects is refused before anything changes, with advice to work in smaller pieces.
 */
export async function listWholeSubtree(
  storage: Storage,
  base: SandboxPath,
  max: number,
  operation: keyof typeof TREE_VERBS,
  options: { metadata?: boolean } = {},
): Promise<StoredObject[]> {
  const { objects, more } = await listSubtree(storage, base, max, options);
  if (more) {
    const verb = TREE_VERBS[operation];
    throw new ToolError(
      "limit_reached",
      `${base.display} holds more than ${max} files and directories; one call ${verb.does} at most ${max}. ` +
        `${verb.imperative} its subdirectories first. Nothing was ${verb.done}.`,
      { path: base.display, maxObjects: max },
    );
  }
  return objects;
}

export async function listSubtree(
  storage: Storage,
  base: SandboxPath,
  max: number,
  options: { metadata?: boolean } = {},
): Promise<{ objects: StoredObject[]; more: boolean }> {
  const prefix = storage.keys.directoryPrefix(base);
  const objects: StoredObject[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await r2(() =>
      // `include` only when asked: metadata can cut R2's page to fewer keys. Moves and copies ask (the
      // labels decide label rules and whether an existing copy may be compared, object-access.ts).
      storage.bucket.list({
        prefix,
        limit: Math.min(1000, max + 1 - objects.length),
        ...(cursor ? { cursor } : {}),
        ...(options.metadata ? { include: ["customMetadata" as const] } : {}),
      }),
    );
    for (const object of page.objects) {
      if (objects.length === max) return { objects, more: true };
      objects.push(toStoredObject(storage.keys, base, object));
    }
    if (!page.truncated) return { objects, more: false };
    if (objects.length === max) return { objects, more: true };
    cursor = page.cursor;
  }
}
