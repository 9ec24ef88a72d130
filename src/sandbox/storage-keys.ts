/**
 * The only code that turns a tenant and a `SandboxPath` into an R2 key (DESIGN invariant 1).
 *
 * Layout, one bucket for all tenants:
 *   files/<tenant>/<path>          a file
 *   files/<tenant>/<path>/         an explicit directory marker (empty object)
 *   trash/<tenant>/<id>/<path>     a deleted file, recoverable until an operator's lifecycle rule expires it
 * `<tenant>` is `encodeTenantId(tenant)`: no `/`, no `.`, and always followed by `/`, so one tenant's
 * prefix is never a prefix of another's. Files and trash sit under different top-level prefixes so a
 * listing of files can never see trash, and so an R2 lifecycle rule on `trash/` expires only trash.
 */
import type { SandboxPath } from "./sandbox-path";
import { encodeTenantId } from "./tenant-prefix";

export const FILES_ROOT = "files/";
export const TRASH_ROOT = "trash/";

export interface TenantKeys {
  /** `files/<tenant>/` */
  readonly filesPrefix: string;
  /** `trash/<tenant>/` */
  readonly trashPrefix: string;
  fileKey(path: SandboxPath): string;
  /** Prefix under which a directory's contents live; also the key of its explicit marker. */
  directoryPrefix(path: SandboxPath): string;
  trashKey(trashId: string, path: SandboxPath): string;
}

// Trash ids are made by the sandbox (time-sortable base36 + random), never by callers.
const TRASH_ID = /^[0-9a-z]{1,16}-[0-9a-z]{1,32}$/;

export function createTenantKeys(tenant: string): TenantKeys {
  const encoded = encodeTenantId(tenant);
  const filesPrefix = `${FILES_ROOT}${encoded}/`;
  const trashPrefix = `${TRASH_ROOT}${encoded}/`;
  return {
    filesPrefix,
    trashPrefix,
    fileKey(path) {
      if (path.isRoot) throw new TypeError("the root directory has no file key");
      return filesPrefix + path.relative;
    },
    directoryPrefix(path) {
      return path.isRoot ? filesPrefix : `${filesPrefix}${path.relative}/`;
    },
    trashKey(trashId, path) {
      if (!TRASH_ID.test(trashId)) throw new TypeError("malformed trash id");
      return `${trashPrefix}${trashId}/${path.relative}`;
    },
  };
}
