/**
 * The tenant's part of the real bucket (read straight from R2, around the Worker), as the model's ground
 * truth: every key under files/<tenant>/ and trash/<tenant>/ with its etag, the paths that exist, and
 * what changed between two snapshots.
 */
import { env } from "cloudflare:workers";

export interface StoredEntry {
  readonly key: string;
  readonly etag: string;
}

export interface BucketState {
  /** files/<tenant>/… relative key ("a/b.txt", or "a/" for a directory marker) → etag. */
  readonly files: ReadonlyMap<string, string>;
  /** trash/<tenant>/… relative key ("<trashId>/<path>") → etag. */
  readonly trash: ReadonlyMap<string, string>;
}

async function listArea(prefix: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await env.FILES.list({ prefix, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) entries.set(object.key.slice(prefix.length), object.etag);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return entries;
}

export async function snapshot(tenant: string): Promise<BucketState> {
  const [files, trash] = await Promise.all([listArea(`files/${tenant}/`), listArea(`trash/${tenant}/`)]);
  return { files, trash };
}

/** A relative files/ key → its canonical path ("a/" → "a"). */
export function pathOfFileKey(key: string): string {
  return key.endsWith("/") ? key.slice(0, -1) : key;
}

/** A relative trash key → its trash id and original path. */
export function parseTrashKey(key: string): { trashId: string; path: string } {
  const slash = key.indexOf("/");
  return { trashId: key.slice(0, slash), path: pathOfFileKey(key.slice(slash + 1)) };
}

/** Every path that exists: files, explicit directories, and every ancestor directory they imply. */
export function existingPaths(state: BucketState): { files: string[]; directories: string[] } {
  const files: string[] = [];
  const directories = new Set<string>();
  for (const key of state.files.keys()) {
    const path = pathOfFileKey(key);
    if (key.endsWith("/")) directories.add(path);
    else files.push(path);
    const segments = path.split("/");
    for (let i = 1; i < segments.length; i++) directories.add(segments.slice(0, i).join("/"));
  }
  return { files: files.sort(), directories: [...directories].sort() };
}

export type Change = { kind: "added" | "changed" | "removed"; area: "files" | "trash"; key: string };

export function changesBetween(before: BucketState, after: BucketState): Change[] {
  const changes: Change[] = [];
  for (const area of ["files", "trash"] as const) {
    for (const [key, etag] of after[area]) {
      const was = before[area].get(key);
      if (was === undefined) changes.push({ kind: "added", area, key });
      else if (was !== etag) changes.push({ kind: "changed", area, key });
    }
    for (const key of before[area].keys()) if (!after[area].has(key)) changes.push({ kind: "removed", area, key });
  }
  return changes;
}

/** The text of the object under `area/<tenant>/<key>` (objects here are small and UTF-8). */
export async function objectText(tenant: string, area: "files" | "trash", key: string): Promise<string> {
  return (await (await env.FILES.get(`${area}/${tenant}/${key}`))?.text()) ?? "";
}
