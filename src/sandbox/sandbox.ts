/**
 * One tenant's view of the bucket for one caller: the file API. Tools get a `Sandbox` and nothing else
 * from storage; the bucket and the caller's policy gate are ES private fields, handed only to the sibling
 * modules that implement the larger operations (sandbox-trash.ts, sandbox-restore.ts, sandbox-move.ts,
 * sandbox-walk.ts, background-operations.ts for operations that continue in a Workflow, sharing
 * storage.ts). Every key comes from `TenantKeys`, and every object touched is judged by the gate
 * (src/policy/gate.ts) before its R2 access.
 *
 * Directory semantics (R2 has none, so they are defined once, here):
 * - A directory exists if it is the root, if its explicit marker `<dir>/` exists (create_directory), or
 *   if any object lives under `<dir>/` (implied, as after writing `a/b/c.txt`).
 * - A path is never both a file and a directory: writes refuse a path that is a directory or that lies
 *   under a file (`a.txt/b`), and create_directory refuses a path that is a file.
 * - Writes create missing parents implicitly (an object store has no mkdir step to forget).
 * - Deleting never destroys: files and whole directories move to the tenant's trash (invariant 6);
 *   only purgeTrash destroys, and only trash.
 *
 * Every R2 failure becomes `DependencyUnavailableError("r2")` (→ 503 + Retry-After, invariant 5);
 * R2 answering "precondition failed" is not a failure but a `conflict`/`already_exists` tool error.
 */

import type { RedactedView } from "../content/redacted-view";
import { ToolError } from "../errors/tool-error";
import { notTextError } from "../files/line-window";
import type { AccessGate } from "../policy/gate";
import {
  isLargeTree,
  type OperationReceipt,
  type OperationRunner,
  readOperation,
  startOperation,
} from "./background-operations";
import { checkPathFits } from "./key-budget";
import { decodeListingCursor, encodeListingCursor } from "./listing-cursor";
import { transferAccesses } from "./object-access";
import type { OperationRecord } from "./operation-record";
import { type AppendReceipt, appendToFile } from "./sandbox-append";
import {
  type ContentRecord,
  type ContentView,
  checkOverwrite,
  decodeText,
  labelForWrite,
  mergeRecords,
  type OverCap,
  readContent,
  readContentWithin,
  viewOf,
  withLabel,
} from "./sandbox-content";
import { type MoveReceipt, moveEntry } from "./sandbox-move";
import { assertCreatableName, parseSandboxPath, SandboxPath } from "./sandbox-path";
import { type RestoreReceipt, restoreFromTrash } from "./sandbox-restore";
import {
  listTrash,
  newTrashId,
  purgeTrash,
  type TrashItem,
  type TrashReceipt,
  trashDirectory,
  trashFile,
} from "./sandbox-trash";
import { type WalkSummary, type WalkVisitor, walkCursorAfterFile, walkSubtree } from "./sandbox-walk";
import { answerIfMatch, ifMatchRefused, shownEtag } from "./shown-etag";
import {
  asSeen,
  createStorage,
  directoryInfo,
  type EntryInfo,
  fileInfo,
  isVisible,
  normalizeEtag,
  r2,
  requireAccess,
  type Storage,
  type StorageMeter,
  UNMETERED,
} from "./storage";
import type { StoredKind } from "./storage-keys";

export type { OperationReceipt, OperationRunner } from "./background-operations";
export { OperationSteps } from "./background-operations";
export type { OperationKind, OperationRecord, TreeOperationPlan } from "./operation-record";
export { MAX_APPEND_RESULT_BYTES } from "./sandbox-append";
export type { ContentRecord, ContentView } from "./sandbox-content";
export { MAX_PURGE_OBJECTS, MAX_TREE_OBJECTS } from "./sandbox-trash";
export type { WalkEntry } from "./sandbox-walk";
export type { BatchResult } from "./tree-batch";
export type { AppendReceipt, MoveReceipt, RestoreReceipt, TrashItem, TrashReceipt, WalkSummary, WalkVisitor };
export { type EntryInfo, normalizeEtag, type StorageMeter, UNMETERED };

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
  /**
   * Refuse content carrying a placeholder of a secret redacted in the current file (default). edit_file
   * turns it off: it has already applied its edits through the view and put every secret back.
   */
  readonly checkWriteBack?: boolean | undefined;
}

export const MAX_LIST_PAGE = 1000;
/** R2 lists at most 100 keys per call with metadata: a full page is ten calls (and a margin). */
const MAX_LIST_CALLS_PER_PAGE = 12;
const MAX_CURSOR_LENGTH = 4096;

export class Sandbox {
  // The bucket lives only in here and in the sibling sandbox-* modules this class hands it to.
  readonly #storage: Storage;
  readonly #bucket: R2Bucket;
  readonly #tenant: string;
  readonly #operations: OperationRunner | undefined;
  readonly #content: ContentRecord[] = [];

  /**
   * `gate` is the caller's policy gate (src/policy/gate.ts), required: there is no ungated sandbox, so no
   * tool and no background step can reach this tenant's objects without the caller's policy.
   */
  constructor(
    bucket: R2Bucket,
    tenant: string,
    options: { gate: AccessGate; now?: () => number; meter?: StorageMeter; operations?: OperationRunner },
  ) {
    this.#storage = createStorage(bucket, tenant, {
      ...options,
      report: (record) => {
        this.#content.push(record);
      },
    });
    this.#bucket = bucket;
    this.#tenant = tenant;
    this.#operations = options.operations;
  }

  /** What content this sandbox read or wrote so far (labels and redactions, never text), for the audit. */
  get contentRecords(): readonly ContentRecord[] {
    return this.#content;
  }

  /**
   * The caller's view of a whole text file (sandbox-content.ts): classified, judged by label rules,
   * redacted and escaped. `too_large` over `maxBytes`, `not_text` for anything but UTF-8 text. With
   * `ifMatch`, `conflict` unless it is the etag the caller was shown (shown-etag.ts); `info.etag` is
   * the etag it is shown now.
   */
  async readText(
    path: SandboxPath,
    maxBytes: number,
    hint: string,
    options: { ifMatch?: string | undefined } = {},
  ): Promise<ContentView> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    const content = await readContent(
      this.#storage,
      path,
      maxBytes,
      (size) =>
        new ToolError("too_large", `${path.display} is ${size} bytes; this read is capped at ${maxBytes}. ${hint}`, {
          path: path.display,
          size,
          maxBytes,
        }),
      () => notTextError(path.display),
      async () => {
        await this.#requireFile(path); // throws the precise not_found / not_a_file
        throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
      },
    );
    const current = content.info.stored;
    if (options.ifMatch !== undefined && current) {
      // The tag shown before a read labelled the object is still accepted (shown-etag.ts).
      const answer = answerIfMatch(this.#storage, path, current, normalizeEtag(options.ifMatch));
      if (answer !== "match") throw ifMatchRefused(this.#storage, path, current, answer, "changed");
    }
    return { ...content, info: asSeen(this.#storage, content.info) };
  }

  /**
   * read_text_file's whole read in one R2 `get`: the caller's view of the file when it is at most
   * `maxBytes`, otherwise its size (`tooLargeSize`) to be read in pieces. The same answers, refusals and
   * errors as `requireFile` then `readText` (which cost a `head`, a `list` and a `get`), in the same
   * order: `list` on the path, then, for a caller who may not `read` it, the precise not_found /
   * not_a_file before the read refusal; a missing object is told apart from a directory only then.
   */
  async readWholeText(path: SandboxPath, maxBytes: number): Promise<ContentView | OverCap> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    requireAccess(this.#storage, ["list"], path);
    if (!this.#storage.gate.permits("read", path.relative)) await this.#requireFile(path);
    return readContentWithin(
      this.#storage,
      path,
      maxBytes,
      () => notTextError(path.display),
      async () => {
        await this.#requireFile(path); // throws the precise not_found / not_a_file
        throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
      },
    );
  }

  /**
   * A line-by-line view for scanning a file too large to view whole (search_file_contents): each line
   * judged and redacted on its own, as a piece (see `viewText`). One record for the file, kept up to date.
   */
  lineViewer(path: SandboxPath): (line: string) => string {
    let record: ContentRecord | undefined;
    let index = -1;
    return (line) => {
      const seen = viewOf(this.#storage, path, line, "read", true);
      record = record ? mergeRecords(record, seen.record) : seen.record;
      if (index === -1) {
        index = this.#content.length;
        this.#content.push(record);
      } else this.#content[index] = record;
      return seen.shown;
    };
  }

  /**
   * Bytes read whole for a binary-capable result (read_media_file, resources/read): when they are UTF-8
   * text they are the caller's view like any text read (so no tool returns unredacted content as
   * base64); other bytes are not text and are returned as they are.
   */
  viewBytes(
    path: SandboxPath,
    bytes: Uint8Array,
  ): { bytes: Uint8Array; text: string | undefined; record?: ContentRecord } {
    const text = decodeText(bytes);
    if (text === undefined) return { bytes, text: undefined };
    const { view, shown, record } = viewOf(this.#storage, path, text);
    this.#storage.report(record);
    const changed = view.spans.length > 0;
    return { bytes: changed ? new TextEncoder().encode(view.text) : bytes, text: shown, record };
  }

  /**
   * The caller's view of text it holds for `path` (a page of a file too large to read whole): judged
   * and redacted on its own. A piece may hold the body of a private key whose armour lines it does not,
   * so with `piece` every line that is only base64 (40+ characters) is redacted as key material when
   * the caller's policy redacts private keys.
   */
  viewText(
    path: SandboxPath,
    text: string,
    options: { piece?: boolean } = {},
  ): {
    shown: string;
    view: RedactedView;
    record: ContentRecord;
  } {
    const { view, shown, record } = viewOf(this.#storage, path, text, "read", options.piece === true);
    this.#storage.report(record);
    return { view, shown, record };
  }

  /** Parses a caller's path; `parameter` names the tool argument in refusals. */
  resolve(raw: unknown, parameter: string, options: { allowRoot?: boolean } = {}): SandboxPath {
    // A path must also fit this tenant's keys, the trash's included (key-budget.ts).
    return checkPathFits(parseSandboxPath(raw, parameter, options), this.#storage.keys.encodedTenant, parameter);
  }

  /** What is at `path`: needs `list` on it; the etag as shown-etag.ts allows (none without `read`). */
  async stat(path: SandboxPath): Promise<EntryInfo | null> {
    requireAccess(this.#storage, ["list"], path);
    const info = await this.#stat(path);
    return info && asSeen(this.#storage, info);
  }

  /** Whether the caller may read `path` (for tools that leave out, rather than refuse, what it may not). */
  mayRead(path: SandboxPath): boolean {
    return this.#storage.gate.permits("read", path.relative) && isVisible(this.#storage, path);
  }

  async requireFile(path: SandboxPath): Promise<EntryInfo> {
    requireAccess(this.#storage, ["list"], path);
    return asSeen(this.#storage, await this.#requireFile(path));
  }

  // Internal lookups behind an access the caller was already judged for (the file it writes, the
  // directory it lists); they answer only "what kind of thing is here", for precise errors.
  async #stat(path: SandboxPath): Promise<EntryInfo | null> {
    if (path.isRoot) return directoryInfo(path);
    const prefix = this.#storage.keys.directoryPrefix(path);
    const [object, listing] = await Promise.all([
      r2(() => this.#bucket.head(this.#storage.keys.fileKey(path))),
      r2(() => this.#bucket.list({ prefix, limit: 1 })),
    ]);
    if (object) return fileInfo(path, object);
    const first = listing.objects[0];
    if (first) return directoryInfo(path, first.key === prefix ? first : undefined);
    return null;
  }

  async #requireFile(path: SandboxPath): Promise<EntryInfo> {
    const info = await this.#stat(path);
    if (!info) throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
    if (info.type !== "file")
      throw new ToolError("not_a_file", `${path.display} is a directory, not a file`, { path: path.display });
    return info;
  }

  async #requireDirectory(path: SandboxPath): Promise<EntryInfo> {
    const info = await this.#stat(path);
    if (!info) throw new ToolError("not_found", `No such directory: ${path.display}`, { path: path.display });
    if (info.type !== "directory") {
      throw new ToolError("not_a_directory", `${path.display} is a file, not a directory`, { path: path.display });
    }
    return info;
  }

  async openFile(path: SandboxPath, range?: ByteRange): Promise<OpenedFile> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    requireAccess(this.#storage, ["read"], path);
    const object = await r2(() => this.#bucket.get(this.#storage.keys.fileKey(path), range ? { range } : {}));
    if (!object) {
      await this.#requireFile(path); // throws the precise not_found / not_a_file
      throw new ToolError("not_found", `No such file: ${path.display}`, { path: path.display });
    }
    const returned = object.range as { offset?: number; length?: number } | undefined;
    const offset = returned?.offset ?? 0;
    return {
      info: asSeen(this.#storage, fileInfo(path, object)),
      body: object.body,
      offset,
      length: returned?.length ?? object.size - offset,
    };
  }

  /** Fails unless no ancestor of `path` is a file and `path` itself is not a directory. */
  async #assertWritableFilePath(path: SandboxPath): Promise<void> {
    const ancestors = path.ancestors();
    const [heads, children] = await Promise.all([
      Promise.all(ancestors.map((ancestor) => r2(() => this.#bucket.head(this.#storage.keys.fileKey(ancestor))))),
      r2(() => this.#bucket.list({ prefix: this.#storage.keys.directoryPrefix(path), limit: 1 })),
    ]);
    const blocking = heads.findIndex((head) => head !== null);
    if (blocking >= 0) {
      const ancestor = ancestors[blocking]!;
      throw new ToolError(
        "not_a_directory",
        `${ancestor.display} is a file, so ${path.display} cannot be created under it`,
        {
          path: ancestor.display,
        },
      );
    }
    if (children.objects.length > 0) {
      throw new ToolError("not_a_file", `${path.display} is a directory, not a file`, { path: path.display });
    }
  }

  async writeFile(
    path: SandboxPath,
    content: string | Uint8Array | ArrayBuffer,
    options: WriteOptions = {},
  ): Promise<EntryInfo> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    assertCreatableName(path, "path");
    requireAccess(this.#storage, ["write"], path);
    // A write conditional on an etag compares content (the etag is its MD5): success or `conflict` would
    // tell whether a guess is right, so it needs `read` too.
    if (options.ifMatch !== undefined) requireAccess(this.#storage, ["read"], path);
    const key = this.#storage.keys.fileKey(path);
    const [, existing] = await Promise.all([this.#assertWritableFilePath(path), r2(() => this.#bucket.head(key))]);
    if (existing) requireAccess(this.#storage, ["overwrite"], path);
    // `ifMatch` is compared here with the etag this caller is shown for the object (shown-etag.ts), and
    // the put is then conditional on the real etag of the object compared, so nothing changes between.
    if (options.ifMatch !== undefined) {
      if (!existing) {
        throw new ToolError("conflict", `${path.display} no longer exists; nothing was written`, {
          path: path.display,
        });
      }
      const answer = answerIfMatch(this.#storage, path, existing, normalizeEtag(options.ifMatch));
      if (answer !== "match") throw ifMatchRefused(this.#storage, path, existing, answer, "written");
    }
    const bytes = typeof content === "string" || content instanceof Uint8Array ? content : new Uint8Array(content);
    const label = labelForWrite(this.#storage, path, bytes);
    if (existing && options.checkWriteBack !== false) await checkOverwrite(this.#storage, path, bytes);
    const size = typeof content === "string" ? new TextEncoder().encode(content).byteLength : content.byteLength;
    const delta = size - (existing?.size ?? 0);
    await this.#storage.meter.adjust(delta);
    const onlyIf: R2Conditional | Headers | undefined = options.createOnly
      ? new Headers({ "If-None-Match": "*" })
      : options.ifMatch !== undefined && existing
        ? { etagMatches: existing.etag }
        : undefined;
    let written: R2Object | null;
    try {
      written = await r2(() =>
        this.#bucket.put(key, content, {
          ...(onlyIf ? { onlyIf } : {}),
          ...(options.contentType ? { httpMetadata: { contentType: options.contentType } } : {}),
          customMetadata: withLabel(undefined, label),
        }),
      );
    } catch (error) {
      await this.#storage.meter.adjust(-delta);
      throw error;
    }
    if (written) return asSeen(this.#storage, fileInfo(path, written));
    await this.#storage.meter.adjust(-delta);
    // R2 returns null only when the precondition failed: tell the caller what is there now, with the
    // etag it may be shown (shown-etag.ts).
    const current = await r2(() => this.#bucket.head(key));
    const currentEtag = current ? shownEtag(this.#storage, path, current) : undefined;
    if (options.createOnly) {
      throw new ToolError("already_exists", `${path.display} already exists; nothing was written`, {
        path: path.display,
        ...(currentEtag !== undefined ? { currentEtag } : {}),
      });
    }
    if (!current) {
      throw new ToolError("conflict", `${path.display} no longer exists; nothing was written`, { path: path.display });
    }
    throw ifMatchRefused(this.#storage, path, current, "mismatch", "written");
  }

  /** Creates `path` and, implicitly, its parents. Succeeds quietly if it already is a directory. */
  async createDirectory(path: SandboxPath): Promise<{ created: boolean }> {
    if (path.isRoot) return { created: false };
    assertCreatableName(path, "path");
    requireAccess(this.#storage, ["write"], path);
    const existing = await this.#stat(path);
    if (existing?.type === "directory") return { created: false };
    if (existing?.type === "file") {
      throw new ToolError("not_a_directory", `${path.display} is a file, not a directory`, { path: path.display });
    }
    await this.#assertWritableFilePath(path);
    await r2(() => this.#bucket.put(this.#storage.keys.directoryPrefix(path), new Uint8Array(0)));
    return { created: true };
  }

  async listDirectory(
    path: SandboxPath,
    options: { cursor?: string | undefined; limit?: number } = {},
  ): Promise<DirectoryPage> {
    if (options.cursor !== undefined && options.cursor.length > MAX_CURSOR_LENGTH) {
      throw new ToolError("invalid_arguments", "cursor is not one this server returned", { parameter: "cursor" });
    }
    requireAccess(this.#storage, ["list"], path);
    const scope = `dir:${path.relative}`;
    const r2Cursor = options.cursor === undefined ? undefined : decodeListingCursor(scope, options.cursor);
    const limit = Math.min(Math.max(options.limit ?? MAX_LIST_PAGE, 1), MAX_LIST_PAGE);
    const prefix = this.#storage.keys.directoryPrefix(path);
    const listing = await this.#listWithLabels(prefix, limit, r2Cursor);
    const entries: EntryInfo[] = [];
    // What the caller may not `list` is left out silently; etags as shown-etag.ts allows.
    const show = (entry: EntryInfo) => {
      if (isVisible(this.#storage, entry.path)) entries.push(asSeen(this.#storage, entry));
    };
    for (const dir of listing.delimitedPrefixes) {
      show(directoryInfo(path.child(dir.slice(prefix.length, -1))));
    }
    for (const object of listing.objects) {
      if (object.key === prefix) continue; // this directory's own marker
      show(fileInfo(path.child(object.key.slice(prefix.length)), object));
    }
    entries.sort((a, b) => (a.path.name < b.path.name ? -1 : a.path.name > b.path.name ? 1 : 0));
    if (r2Cursor === undefined && entries.length === 0 && listing.cursor === undefined) {
      await this.#requireDirectory(path); // empty page: is it an empty directory, a file, or nothing?
    }
    return {
      entries,
      nextCursor: listing.cursor !== undefined ? encodeListingCursor(scope, listing.cursor) : undefined,
    };
  }

  /**
   * One page of a directory with each file's custom metadata: its label decides which etag the caller
   * is shown (shown-etag.ts). With metadata R2 returns at most 100 keys per call, so a page of up to
   * `limit` entries takes up to ten calls, continued by R2's cursor; `cursor` is undefined at the end.
   */
  async #listWithLabels(
    prefix: string,
    limit: number,
    startCursor: string | undefined,
  ): Promise<{ objects: R2Object[]; delimitedPrefixes: string[]; cursor: string | undefined }> {
    const objects: R2Object[] = [];
    const prefixes = new Set<string>();
    let cursor = startCursor;
    for (let calls = 0; calls < MAX_LIST_CALLS_PER_PAGE; calls++) {
      const page = await r2(() =>
        this.#bucket.list({
          prefix,
          delimiter: "/",
          limit: limit - objects.length - prefixes.size,
          include: ["customMetadata"],
          ...(cursor ? { cursor } : {}),
        }),
      );
      objects.push(...page.objects);
      for (const dir of page.delimitedPrefixes) prefixes.add(dir);
      cursor = page.truncated ? page.cursor : undefined;
      if (cursor === undefined || objects.length + prefixes.size >= limit) break;
    }
    return { objects, delimitedPrefixes: [...prefixes], cursor };
  }

  /** Fails unless `path` can become a directory: not a file itself, and no ancestor is a file. */
  async #assertWritableDirectoryPath(path: SandboxPath): Promise<void> {
    if (path.isRoot) return;
    const [self, ancestors] = await Promise.all([
      r2(() => this.#bucket.head(this.#storage.keys.fileKey(path))),
      Promise.all(
        path.ancestors().map((ancestor) => r2(() => this.#bucket.head(this.#storage.keys.fileKey(ancestor)))),
      ),
    ]);
    const blocking = path.ancestors().find((_, index) => ancestors[index] !== null);
    if (blocking) {
      throw new ToolError(
        "not_a_directory",
        `${blocking.display} is a file, so ${path.display} cannot be created under it`,
        {
          path: blocking.display,
        },
      );
    }
    if (self)
      throw new ToolError("not_a_directory", `${path.display} is a file, not a directory`, { path: path.display });
  }

  #assertWritable = (path: SandboxPath, kind: StoredKind): Promise<void> =>
    kind === "file" ? this.#assertWritableFilePath(path) : this.#assertWritableDirectoryPath(path);

  /**
   * Visits everything below directory `base` in key order, bounded by `maxVisited`; see sandbox-walk.ts.
   * Trash is under another prefix, so a walk never sees it.
   */
  async walk(
    base: SandboxPath,
    options: { cursor?: string | undefined; maxVisited: number },
    visit: WalkVisitor,
  ): Promise<WalkSummary> {
    requireAccess(this.#storage, ["list"], base);
    if (!base.isRoot) await this.#requireDirectory(base);
    // What the caller may not `list` is left out silently, as in a directory listing.
    return walkSubtree(this.#storage, base, options, (entries) => {
      const seen = entries.filter((entry) => isVisible(this.#storage, entry.path));
      return seen.length === 0 || visit(seen);
    });
  }

  /** A walk cursor that continues just after the file at `path` below `base`. */
  walkCursorAfter(base: SandboxPath, path: SandboxPath): string {
    return walkCursorAfterFile(base, path);
  }

  /**
   * Moves a file, or with `recursive` a directory and everything in it, to the trash under one trash id.
   * A directory without `recursive` is refused, so a whole tree is never deleted by accident.
   */
  async moveToTrash(
    path: SandboxPath,
    options: { recursive?: boolean | undefined } = {},
  ): Promise<TrashReceipt | OperationReceipt> {
    if (path.isRoot) throw new ToolError("invalid_path", "The root directory cannot be deleted", { path: "/" });
    requireAccess(this.#storage, ["delete"], path);
    const info = await this.#stat(path);
    if (!info) throw new ToolError("not_found", `No such file or directory: ${path.display}`, { path: path.display });
    if (info.type === "file") return trashFile(this.#storage, path, () => this.#requireFile(path));
    if (!options.recursive) {
      throw new ToolError(
        "not_a_file",
        `${path.display} is a directory; pass recursive: true to move it and everything in it to the trash`,
        { path: path.display },
      );
    }
    if (await this.#isLargeTree(path)) {
      return this.#startOperation({ kind: "delete", source: path, trashId: newTrashId(this.#storage.now()) });
    }
    return trashDirectory(this.#storage, path);
  }

  /** One background operation's record, if it belongs to this tenant; null otherwise. */
  readOperation(operationId: string): Promise<OperationRecord | null> {
    return readOperation(this.#storage, this.#operations, operationId);
  }

  #isLargeTree(path: SandboxPath): Promise<boolean> {
    return isLargeTree(this.#storage, this.#operations, path);
  }

  #startOperation(spec: Parameters<typeof startOperation>[3]): Promise<OperationReceipt> {
    return startOperation(this.#storage, this.#tenant, this.#operations!, spec);
  }

  listTrash(
    options: { cursor?: string | undefined; trashId?: string | undefined } = {},
  ): Promise<{ items: TrashItem[]; nextCursor: string | undefined }> {
    return listTrash(this.#storage, options);
  }

  restoreFromTrash(
    trashId: string,
    options: { path?: SandboxPath | undefined; destination?: SandboxPath | undefined } = {},
  ): Promise<RestoreReceipt | OperationReceipt> {
    // Back where it was is allowed whatever its name (nothing is stranded); a new place is a new name.
    if (options.destination) assertCreatableName(options.destination, "destination");
    const large = this.#operations
      ? (root: SandboxPath, destination: SandboxPath) =>
          this.#startOperation({ kind: "restore", source: root, destination, trashId })
      : undefined;
    return restoreFromTrash(this.#storage, trashId, options, this.#assertWritable, large);
  }

  /** Destroys trash for good: the given entries, or all of it. */
  purgeTrash(trashIds?: readonly string[]): Promise<{ purged: number; more: boolean }> {
    return purgeTrash(this.#storage, trashIds);
  }

  move(source: SandboxPath, destination: SandboxPath): Promise<MoveReceipt | OperationReceipt> {
    return this.#transfer(source, destination, "move");
  }

  /** Copies a file or a directory; never over existing data. */
  copy(source: SandboxPath, destination: SandboxPath): Promise<MoveReceipt | OperationReceipt> {
    return this.#transfer(source, destination, "copy");
  }

  async #transfer(
    source: SandboxPath,
    destination: SandboxPath,
    mode: "move" | "copy",
  ): Promise<MoveReceipt | OperationReceipt> {
    const done = mode === "move" ? "moved" : "copied";
    if (source.isRoot)
      throw new ToolError("invalid_path", `The root directory cannot be ${done}`, { parameter: "source" });
    if (destination.isRoot)
      throw new ToolError("invalid_path", `Nothing can be ${done} onto the root directory`, {
        parameter: "destination",
      });
    // The source may have any name it already has (moving it away is how to rename it); the names
    // below a moved directory are carried over, not chosen.
    assertCreatableName(destination, "destination");
    if (!source.isSameOrAncestorOf(destination) && (await this.#stat(source))?.type === "directory") {
      if (await this.#isLargeTree(source)) {
        // In the background there is no "finish an interrupted call": the destination must be free.
        // The named paths are judged now; every object below them by the operation's first step,
        // before it changes anything (src/sandbox/tree-batch.ts, `checkOperationPage`).
        requireAccess(this.#storage, transferAccesses(mode).source, source);
        requireAccess(this.#storage, transferAccesses(mode).target, destination);
        await this.#assertWritable(destination, "marker");
        if (await this.#stat(destination)) {
          throw new ToolError("already_exists", `${destination.display} already exists; nothing was ${done}.`, {
            path: destination.display,
          });
        }
        return this.#startOperation({ kind: mode, source, destination });
      }
    }
    return moveEntry(
      this.#storage,
      source,
      destination,
      { stat: (path) => this.#stat(path), assertWritable: this.#assertWritable },
      mode,
    );
  }

  /** Appends to a file (creating it if missing) with conditional puts, so concurrent appends all land. */
  append(path: SandboxPath, bytes: Uint8Array, contentType: string): Promise<AppendReceipt> {
    if (path.isRoot) throw new ToolError("not_a_file", "/ is a directory, not a file", { path: "/" });
    assertCreatableName(path, "path");
    return appendToFile(this.#storage, path, bytes, {
      contentType,
      assertWritable: () => this.#assertWritableFilePath(path),
    });
  }
}

export { SandboxPath };
