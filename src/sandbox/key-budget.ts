/**
 * How long a path a tenant can use, from R2's 1,024-byte key limit and the tenant's own key prefix.
 *
 * Every path is part of several keys, and the longest is a deleted directory's marker in the trash,
 * `trash/<tenant>/<trashId>/<path>/`. The tenant's prefix is its escaped id (tenant-prefix.ts: up to
 * three bytes per byte of the claim, so 42 × "日" takes 378), so a fixed path limit would let a long
 * tenant id write a file it can never delete (the trash key would not fit) and make R2 refuse the key,
 * which reads as a storage outage (503) although it is the caller's input. Instead a path over this
 * tenant's limit is refused up front with `invalid_path`, naming the limit in bytes. Operation records
 * (`ops/<tenant>/<operationId>`) hold no path in their key and always fit.
 *
 * The key builders (storage-keys.ts) also refuse any key over the limit, the same way, for paths made
 * inside the sandbox (a directory move's targets are the destination plus each object's rest of path).
 */
import { MAX_PATH_BYTES, PathRefusedError, type SandboxPath } from "./sandbox-path";

/** R2's limit on an object key, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/**
 * Longest trash id the sandbox makes (sandbox-trash.ts `newTrashId`): nine base-36 digits of the time,
 * `-`, and two 32-bit random numbers in base 36 (at most seven digits each).
 */
export const MAX_TRASH_ID_LENGTH = 9 + 1 + 7 + 7;

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  // ASCII is the common case and costs no allocation.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the full ASCII range is the point
  return /^[\u0000-\u007f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** The longest path (bytes of UTF-8) this tenant can use, given its escaped id. */
export function maxPathBytesFor(encodedTenant: string): number {
  const deletedMarker = "trash/".length + encodedTenant.length + 1 + MAX_TRASH_ID_LENGTH + 1 + 1;
  return Math.max(0, Math.min(MAX_PATH_BYTES, MAX_KEY_BYTES - deletedMarker));
}

/** Refuses a path longer than this tenant can use, naming its limit. */
export function checkPathFits(path: SandboxPath, encodedTenant: string, parameter: string): SandboxPath {
  const limit = maxPathBytesFor(encodedTenant);
  if (utf8Bytes(path.relative) > limit) throw new PathRefusedError("path_too_long", parameter, undefined, limit);
  return path;
}

/** Refuses a key R2 would not take, as the caller's path being too long for this tenant. */
export function checkKeyFits(key: string, encodedTenant: string, parameter = "path"): string {
  if (utf8Bytes(key) > MAX_KEY_BYTES) {
    throw new PathRefusedError("path_too_long", parameter, undefined, maxPathBytesFor(encodedTenant));
  }
  return key;
}
