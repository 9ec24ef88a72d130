/**
 * One tenant's view of the bucket: files and directories over flat R2 keys. Tools get a `Sandbox` and
 * nothing else from storage; the bucket is an ES private field and every key comes from `TenantKeys`.
 *
 * Directory semantics (R2 has none, so they are defined once, here):
 * - A directory exists if it is the root, if its explicit marker `<dir>/` exists (create_directory), or
 *   if any object lives under `<dir>/` (implied, as after writing `a/b/c.txt`).
 * - A path is never both a file and a directory: writes refuse a path that is a directory or that lies
 *   under a file (`a.txt/b`), and create_directory refuses a path that is a file.
 * - Writes create missing parents implicitly (an object store has no mkdir step to forget).
 *
 * Every R2 failure becomes `DependencyUnavailableError("r2")` (→ 503 + Retry-After, invariant 5);
 * R2 answering "precondition failed" is not a failure but a `conflict`/`already_exists` tool error.
 */
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import { decodeListingCursor, encodeListingCursor } from "./listing-cursor";
import { parseSandboxPath, SandboxPath } from "./sandbox-path";
import { createTenantKeys, type TenantKeys } from "./storage-keys";

export interface EntryInfo {
  readonly path: SandboxPath;
  readonly type: "file" | "directory";
  /** Bytes; 0 for directories. */
  readonly size: number;
  readonly modified: Date | undefined;
  /** R2's strong etag (unquoted); undefined for implied directories. */
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
}

export interface DirectoryPage {
  readonly entries: EntryInfo[];
  /** Pass back as `cursor` to continue; undefined when this was the last page. */
  readonly nextCursor: string | undefined;
}

export interface OpenedFile {
  readonly info: EntryInfo;
  readonly body: ReadableStream<Uint8Array>;
  /** Byte range actually returned (the whole file when no range was asked for). */
  readonly offset: number;
  readonly length: number;
}

export type ByteRange = { readonly offset: number; readonly length?: number } | { readonly suffix: number };

export interface WriteOptions {
  /** Write only if the current etag equals this (no lost updates). */
  readonly ifMatch?: string | undefined;
  /** Write only if nothing exists at the path yet. */
  readonly createOnly?: boolean | undefined;
  readonly contentType?: string | undefined;
}

export interface TrashReceipt {
  readonly trashId: string;
  readonly path: SandboxPath;
  readonly size: number;
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

export const MAX_LIST_PAGE = 1000;
const MAX_CURSOR_LENGTH = 4096;

/** Accepts `abc`, `"abc"` and `W/"abc"`-less forms; R2 etags are strong, so a weak one never matches. */
export function normalizeEtag(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1) : trimmed;
}

function newTrashId(now: number): string {
  const random = new Uint32Array(2);
  crypto.getRandomValues(random);
  return `${now.toString(36).padStart(9, "0")}-${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}

async function r2<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new DependencyUnavailableError("r2", { cause: error });
  }
}

function fileInfo(path: SandboxPath, object: R2Object): EntryInfo {
  return {
    path,
    type: "file",
    size: object.size,
    modified: object.uploaded,
    etag: object.etag,
    contentType: object.httpMetadata?.contentType,
  };
}

function directoryInfo(path: SandboxPath, marker?: R2Object): EntryInfo {
  return { path, type: "directory", size: 0, modified: marker?.uploaded, etag: undefined, contentType: undefined };
}

export class Sandbox {
  readonly #bucket: R2Bucket;
  readonly #keys: TenantKeys;
  readonly #now: () => number;
  readonly #meter: StorageMeter;

  constructor(bucket: R2Bucket, tenant: string, options: { now?: () => number; meter?: StorageMeter } = {}) {
    this.#bucket = bucket;
    this.#keys = createTenantKeys(tenant);
    this.#now = options.now ?? Date.now;
    this.#meter = options.meter ?? UNMETERED;
  }

  /** Parses a caller's path; `parameter` names the tool argument in refusals. */
  resolve(raw: unknown, parameter: string, options: { allowRoot?: boolean } = {}): SandboxPath {
    return parseSandboxPath(raw, parameter, options);
  }

  async stat(path: SandboxPath): Promise<EntryInfo | null> {
    if (path.isRoot) return directoryInfo(path);
    const prefix = this.#keys.directoryPrefix(path);
    const [object, listing] = await Promise.all([
      r2(() => this.#bucket.head(this.#keys.fileKey(path))),
      r2(() => this.#bucket.list({ prefix, limit: 1 })),
    ]);
    if (object) return fileInfo(path, object);
    const first = listing.objects[0];
    if (first) return directoryInfo(path, first.key === prefix ? first : undefined);
    return null;
  }

  async requireFile(path: SandboxPath): Promise<EntryInfo> {
    const info = await this.stat(path);
    if (!info) throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
    if (info.type !== "file") throw new ToolError("not_a_file", `${path.display} is a directory, not a file`, { path: path.display });
    return info;
  }

  async requireDirectory(path: SandboxPath): Promise<EntryInfo> {
    const info = await this.stat(path);
    if (!info) throw new ToolError("not_found", `No such directory: ${path.display}`, { path: path.display });
    if (info.type !== "directory") {
      throw new ToolError("not_a_directory", `${path.display} is a file, not a directory`, { path: path.display });
    }
    return info;
  }

  async openFile(path: SandboxPath, range?: ByteRange): Promise<OpenedFile> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    const object = await r2(() => this.#bucket.get(this.#keys.fileKey(path), range ? { range } : {}));
    if (!object) {
      await this.requireFile(path); // throws the precise not_found / not_a_file
      throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
    }
    const returned = object.range as { offset?: number; length?: number } | undefined;
    const offset = returned?.offset ?? 0;
    return { info: fileInfo(path, object), body: object.body, offset, length: returned?.length ?? object.size - offset };
  }

  /** Fails unless no ancestor of `path` is a file and `path` itself is not a directory. */
  async #assertWritableFilePath(path: SandboxPath): Promise<void> {
    const ancestors = path.ancestors();
    const [heads, children] = await Promise.all([
      Promise.all(ancestors.map((ancestor) => r2(() => this.#bucket.head(this.#keys.fileKey(ancestor))))),
      r2(() => this.#bucket.list({ prefix: this.#keys.directoryPrefix(path), limit: 1 })),
    ]);
    const blocking = heads.findIndex((head) => head !== null);
    if (blocking >= 0) {
      const ancestor = ancestors[blocking]!;
      throw new ToolError("not_a_directory", `${ancestor.display} is a file, so ${path.display} cannot be created under it`, {
        path: ancestor.display,
      });
    }
    if (children.objects.length > 0) {
      throw new ToolError("not_a_file", `${path.display} is a directory, not a file`, { path: path.display });
    }
  }

  async writeFile(path: SandboxPath, content: string | Uint8Array | ArrayBuffer, options: WriteOptions = {}): Promise<EntryInfo> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    const key = this.#keys.fileKey(path);
    const [, existing] = await Promise.all([this.#assertWritableFilePath(path), r2(() => this.#bucket.head(key))]);
    const size = typeof content === "string" ? new TextEncoder().encode(content).byteLength : content.byteLength;
    const delta = size - (existing?.size ?? 0);
    await this.#meter.adjust(delta);
    const onlyIf: R2Conditional | Headers | undefined = options.createOnly
      ? new Headers({ "If-None-Match": "*" })
      : options.ifMatch !== undefined
        ? { etagMatches: normalizeEtag(options.ifMatch) }
        : undefined;
    let written: R2Object | null;
    try {
      written = await r2(() =>
        this.#bucket.put(key, content, {
          ...(onlyIf ? { onlyIf } : {}),
          ...(options.contentType ? { httpMetadata: { contentType: options.contentType } } : {}),
        }),
      );
    } catch (error) {
      await this.#meter.adjust(-delta);
      throw error;
    }
    if (written) return fileInfo(path, written);
    await this.#meter.adjust(-delta);
    // R2 returns null only when the precondition failed: tell the caller what is there now.
    const current = await r2(() => this.#bucket.head(key));
    if (options.createOnly) {
      throw new ToolError("already_exists", `${path.display} already exists; nothing was written`, {
        path: path.display,
        ...(current ? { currentEtag: current.etag } : {}),
      });
    }
    throw new ToolError(
      "conflict",
      current
        ? `${path.display} changed since etag ${normalizeEtag(options.ifMatch ?? "")} (now ${current.etag}); nothing was written. Read it again and retry.`
        : `${path.display} no longer exists; nothing was written`,
      { path: path.display, ...(current ? { currentEtag: current.etag } : {}) },
    );
  }

  /** Creates `path` and, implicitly, its parents. Succeeds quietly if it already is a directory. */
  async createDirectory(path: SandboxPath): Promise<{ created: boolean }> {
    if (path.isRoot) return { created: false };
    const existing = await this.stat(path);
    if (existing?.type === "directory") return { created: false };
    if (existing?.type === "file") {
      throw new ToolError("not_a_directory", `${path.display} is a file, not a directory`, { path: path.display });
    }
    await this.#assertWritableFilePath(path);
    await r2(() => this.#bucket.put(this.#keys.directoryPrefix(path), new Uint8Array(0)));
    return { created: true };
  }

  async listDirectory(path: SandboxPath, options: { cursor?: string | undefined; limit?: number } = {}): Promise<DirectoryPage> {
    if (options.cursor !== undefined && options.cursor.length > MAX_CURSOR_LENGTH) {
      throw new ToolError("invalid_arguments", "cursor is not one this server returned", { parameter: "cursor" });
    }
    const scope = `dir:${path.relative}`;
    const r2Cursor = options.cursor === undefined ? undefined : decodeListingCursor(scope, options.cursor);
    const limit = Math.min(Math.max(options.limit ?? MAX_LIST_PAGE, 1), MAX_LIST_PAGE);
    const prefix = this.#keys.directoryPrefix(path);
    // No `include`: with metadata R2 returns at most 100 entries a page instead of 1000.
    const listing = await r2(() => this.#bucket.list({ prefix, delimiter: "/", limit, ...(r2Cursor ? { cursor: r2Cursor } : {}) }));
    const entries: EntryInfo[] = [];
    for (const dir of listing.delimitedPrefixes) {
      entries.push(directoryInfo(path.child(dir.slice(prefix.length, -1))));
    }
    for (const object of listing.objects) {
      if (object.key === prefix) continue; // this directory's own marker
      entries.push(fileInfo(path.child(object.key.slice(prefix.length)), object));
    }
    entries.sort((a, b) => (a.path.name < b.path.name ? -1 : a.path.name > b.path.name ? 1 : 0));
    if (r2Cursor === undefined && entries.length === 0 && !listing.truncated) {
      await this.requireDirectory(path); // empty page: is it an empty directory, a file, or nothing?
    }
    return { entries, nextCursor: listing.truncated ? encodeListingCursor(scope, listing.cursor) : undefined };
  }

  /**
   * Deleting the last file of an implied directory would make the directory vanish, which no file system
   * does; an explicit marker keeps it (create-only, so an existing marker is left alone).
   */
  async #keepParent(path: SandboxPath): Promise<void> {
    const parent = path.parent();
    if (parent.isRoot) return;
    await r2(() => this.#bucket.put(this.#keys.directoryPrefix(parent), new Uint8Array(0), { onlyIf: new Headers({ "If-None-Match": "*" }) }));
  }

  /**
   * Moves one file to this tenant's trash: copy (streamed), verify the copy, then delete the original.
   * A failure before the delete leaves the original in place; if the file changed while it was being
   * copied, the copy is dropped and the caller is told, so the newer content is never deleted unseen.
   */
  async moveFileToTrash(path: SandboxPath): Promise<TrashReceipt> {
    const key = this.#keys.fileKey(path);
    const original = await r2(() => this.#bucket.get(key));
    if (!original) {
      await this.requireFile(path);
      throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
    }
    const trashId = newTrashId(this.#now());
    const trashKey = this.#keys.trashKey(trashId, path);
    const copy = await r2(() =>
      this.#bucket.put(trashKey, original.body.pipeThrough(new FixedLengthStream(original.size)), {
        httpMetadata: original.httpMetadata ?? {},
        customMetadata: {
          originalPath: path.relative,
          deletedAt: new Date(this.#now()).toISOString(),
          originalEtag: original.etag,
        },
      }),
    );
    if (!copy || copy.size !== original.size) {
      throw new DependencyUnavailableError("r2", { cause: new Error("trash copy could not be verified") });
    }
    const current = await r2(() => this.#bucket.head(key));
    if (current?.etag !== original.etag) {
      await r2(() => this.#bucket.delete(trashKey));
      throw new ToolError("conflict", `${path.display} changed while it was being deleted; nothing was deleted`, {
        path: path.display,
      });
    }
    await r2(() => this.#bucket.delete(key));
    await this.#meter.adjust(-original.size);
    await this.#keepParent(path);
    return { trashId, path, size: original.size };
  }
}

export { SandboxPath };
