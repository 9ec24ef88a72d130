/**
 * The only code that turns a tenant and a `SandboxPath` into an R2 key (invariant 1, docs/architecture.md).
 *
 * Layout, one bucket for all tenants:
 *   files/<tenant>/<path>          a file
 *   files/<tenant>/<path>/         an explicit directory marker (empty object)
 *   trash/<tenant>/<id>/<path>     a deleted file, recoverable until an operator's lifecycle rule expires it
 *   trash/<tenant>/<id>/<path>/    a deleted directory's explicit marker (so a restore brings empty
 *                                  directories back too)
 *   ops/<tenant>/<operationId>     the record of a background directory operation (get_operation)
 * One `<id>` per delete operation: a recursive delete puts the whole directory under one id, so it
 * can be restored as a unit.
 * `<tenant>` is `encodeTenantId(tenant)`: no `/`, no `.`, and always followed by `/`, so one tenant's
 * prefix is never a prefix of another's. Files and trash sit under different top-level prefixes so a
 * listing of files can never see trash, and so an R2 lifecycle rule on `trash/` expires only trash.
 */
import { checkKeyFits, maxPathBytesFor, utf8Bytes } from "./key-budget";
import { PathRefusedError, type SandboxPath } from "./sandbox-path";
import { encodeTenantId } from "./tenant-prefix";

export const FILES_ROOT = "files/";
export const TRASH_ROOT = "trash/";
export const OPERATIONS_ROOT = "ops/";

export interface TenantKeys {
  /** The longest path this tenant can use, in bytes (key-budget.ts). */
  readonly maxPathBytes: number;
  /** The tenant's escaped id, as it appears in its keys. */
  readonly encodedTenant: string;
  /** `files/<tenant>/` */
  readonly filesPrefix: string;
  /** `trash/<tenant>/` */
  readonly trashPrefix: string;
  /** `ops/<tenant>/<operationId>`: one background operation's record. */
  operationKey(operationId: string): string;
  fileKey(path: SandboxPath): string;
  /** Prefix under which a directory's contents live; also the key of its explicit marker. */
  directoryPrefix(path: SandboxPath): string;
  trashKey(trashId: string, path: SandboxPath): string;
  /** `trash/<tenant>/<id>/<path>/`: where a deleted directory marker is kept. */
  trashMarkerKey(trashId: string, path: SandboxPath): string;
  /** `trash/<tenant>/<id>/`: everything one delete operation put in the trash. */
  trashEntryPrefix(trashId: string): string;
  /** A file key (`kind: "file"`) or a directory marker key (`kind: "marker"`) for `path`. */
  keyFor(path: SandboxPath, kind: StoredKind): string;
  /** Trash key → its trash id and the stored path text (not yet canonicalized); null if foreign. */
  parseTrashKey(key: string): { trashId: string; pathText: string; kind: StoredKind } | null;
}

/** What a stored object under `files/` is: a file, or an explicit directory marker (key ends in `/`). */
export type StoredKind = "file" | "marker";

// Trash ids are made by the sandbox (time-sortable base36 + random), never by callers.
const TRASH_ID = /^[0-9a-z]{1,16}-[0-9a-z]{1,32}$/;
// Operation ids likewise (`op-` + time + random); they are also Workflow instance ids (≤ 100 chars).
const OPERATION_ID = /^op-[0-9a-z]{1,16}-[0-9a-z]{1,32}$/;

/** For refusing a caller's operation id before it reaches a key. */
export function isOperationId(value: string): boolean {
  return OPERATION_ID.test(value);
}

/** For refusing a caller's trash id before it reaches a key (storage-keys would throw a TypeError). */
export function isTrashId(value: string): boolean {
  return TRASH_ID.test(value);
}

export function createTenantKeys(tenant: string): TenantKeys {
  const encoded = encodeTenantId(tenant);
  const filesPrefix = `${FILES_ROOT}${encoded}/`;
  const trashPrefix = `${TRASH_ROOT}${encoded}/`;
  // Every key with a path in it is checked: the path against this tenant's limit (so no file can be
  // made, by a move or copy of its directory either, that could not also go to the trash) and the key
  // against R2's. A refusal names this tenant's path limit.
  const maxPathBytes = maxPathBytesFor(encoded);
  const within = (path: SandboxPath) => {
    if (utf8Bytes(path.relative) > maxPathBytes)
      throw new PathRefusedError("path_too_long", "path", undefined, maxPathBytes);
    return path;
  };
  const fits = (key: string) => checkKeyFits(key, encoded);
  const keys: TenantKeys = {
    maxPathBytes,
    encodedTenant: encoded,
    filesPrefix,
    trashPrefix,
    operationKey(operationId) {
      if (!OPERATION_ID.test(operationId)) throw new TypeError("malformed operation id");
      return `${OPERATIONS_ROOT}${encoded}/${operationId}`;
    },
    fileKey(path) {
      if (path.isRoot) throw new TypeError("the root directory has no file key");
      return fits(filesPrefix + within(path).relative);
    },
    directoryPrefix(path) {
      return path.isRoot ? filesPrefix : fits(`${filesPrefix}${within(path).relative}/`);
    },
    trashKey(trashId, path) {
      if (!TRASH_ID.test(trashId)) throw new TypeError("malformed trash id");
      if (path.isRoot) throw new TypeError("the root directory has no trash key");
      return fits(`${trashPrefix}${trashId}/${within(path).relative}`);
    },
    trashMarkerKey(trashId, path) {
      if (path.isRoot) throw new TypeError("the root directory cannot be trashed");
      return fits(`${keys.trashKey(trashId, path)}/`);
    },
    trashEntryPrefix(trashId) {
      if (!TRASH_ID.test(trashId)) throw new TypeError("malformed trash id");
      return `${trashPrefix}${trashId}/`;
    },
    keyFor(path, kind) {
      return kind === "file" ? keys.fileKey(path) : keys.directoryPrefix(path);
    },
    parseTrashKey(key) {
      if (!key.startsWith(trashPrefix)) return null;
      const rest = key.slice(trashPrefix.length);
      const slash = rest.indexOf("/");
      if (slash <= 0) return null;
      const trashId = rest.slice(0, slash);
      if (!TRASH_ID.test(trashId)) return null;
      const pathText = rest.slice(slash + 1);
      const marker = pathText.endsWith("/");
      return { trashId, pathText: marker ? pathText.slice(0, -1) : pathText, kind: marker ? "marker" : "file" };
    },
  };
  return keys;
}
