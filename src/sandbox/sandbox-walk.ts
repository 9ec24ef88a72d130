/**
 * Walking everything below a directory, for search_files and directory_tree.
 *
 * R2 has no directories, so a walk is a flat, key-ordered listing of the directory's prefix (1000 keys
 * per R2 call) rather than a recursive descent. That makes it cheap per object but unbounded per call,
 * so every walk has a hard cap on objects visited (`maxVisited`) and can be resumed: the cursor names
 * the last object consumed, and the next walk lists from just after it (`startAfter`), so a caller that
 * stops in the middle of an R2 page loses nothing and sees nothing twice.
 *
 * Directories: R2 keys are sorted, and every key under `d/` sorts into one contiguous run, so a walk
 * reports each directory (implied by its contents, or explicit by its marker) exactly once, the first
 * time one of its objects is seen, before that object. Resuming from a cursor knows the chain of
 * directories of the object it resumes after, so a directory is not reported again on the next page.
 *
 * The cursor is opaque to callers but not trusted: it decodes to a canonical relative path that is
 * turned back into a key through `TenantKeys`, under the walked directory, so it can only reposition a
 * walk inside the caller's own tree (invariant 1, docs/architecture.md).
 */
import { base64url } from "jose";
import { ToolError } from "../errors/tool-error";
import { parseSandboxPath, type SandboxPath } from "./sandbox-path";
import { r2, type Storage, toStoredObject } from "./storage";
import type { StoredKind } from "./storage-keys";

export interface WalkEntry {
  readonly path: SandboxPath;
  readonly type: "file" | "directory";
  /** Bytes; 0 for directories. */
  readonly size: number;
}

/**
 * Called once per stored object with what it newly reveals: directories not seen before (shallowest
 * first), then the file itself. Return false to stop after this object.
 */
export type WalkVisitor = (entries: readonly WalkEntry[]) => boolean;

export interface WalkSummary {
  readonly visited: number;
  /** Set when objects remain: pass it back to continue after the last entry visited. */
  readonly nextCursor: string | undefined;
  /** Why the walk ended early, if it did. */
  readonly stoppedBy: "visitor" | "max_visited" | undefined;
}

const CURSOR_TAG = "w1.";
const MAX_CURSOR_LENGTH = 2048;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function encodeCursor(suffix: string): string {
  return CURSOR_TAG + base64url.encode(suffix);
}

/** A cursor that continues a walk of `base` just after the file at `path` (which lies below `base`). */
export function walkCursorAfterFile(base: SandboxPath, path: SandboxPath): string {
  return encodeCursor(path.segments.slice(base.segments.length).join("/"));
}

function badCursor(): ToolError {
  return new ToolError("invalid_arguments", "cursor is not one this server returned", { parameter: "cursor" });
}

/** Cursor → the key to list after (rebuilt through TenantKeys under `base`) and that object's path. */
function decodeCursor(
  storage: Storage,
  base: SandboxPath,
  cursor: string,
): { key: string; path: SandboxPath; kind: StoredKind } {
  if (!cursor.startsWith(CURSOR_TAG) || cursor.length > MAX_CURSOR_LENGTH) throw badCursor();
  let suffix: string;
  try {
    suffix = strictUtf8.decode(base64url.decode(cursor.slice(CURSOR_TAG.length)));
  } catch {
    throw badCursor();
  }
  if (suffix === "") return { key: storage.keys.directoryPrefix(base), path: base, kind: "marker" };
  const marker = suffix.endsWith("/");
  const relative = marker ? suffix.slice(0, -1) : suffix;
  let path: SandboxPath;
  try {
    path = parseSandboxPath(`${base.relative}/${relative}`, "cursor", { allowRoot: false });
  } catch {
    throw badCursor();
  }
  // A canonical path must round-trip exactly, or the cursor was not one we made.
  if (path.segments.length <= base.segments.length || path.segments.slice(base.segments.length).join("/") !== relative)
    throw badCursor();
  const kind: StoredKind = marker ? "marker" : "file";
  return { key: storage.keys.keyFor(path, kind), path, kind };
}

/** Directories from just below `base` down to the object (a marker's own path included), as relative strings. */
function directoryChain(base: SandboxPath, path: SandboxPath, kind: StoredKind): SandboxPath[] {
  const chain = path.ancestors().filter((ancestor) => ancestor.segments.length > base.segments.length);
  if (kind === "marker" && path.segments.length > base.segments.length) chain.push(path);
  return chain;
}

/**
 * Visits every object below `base` (not the base's own marker) in key order until the visitor says
 * stop, `maxVisited` objects were visited, or there is nothing left. The caller checks that `base` is
 * a directory first.
 */
export async function walkSubtree(
  storage: Storage,
  base: SandboxPath,
  options: { cursor?: string | undefined; maxVisited: number },
  visit: WalkVisitor,
): Promise<WalkSummary> {
  const prefix = storage.keys.directoryPrefix(base);
  const resumed = options.cursor === undefined ? undefined : decodeCursor(storage, base, options.cursor);
  let startAfter = resumed?.key;
  let previousChain = resumed ? directoryChain(base, resumed.path, resumed.kind) : [];
  let visited = 0;
  let lastSuffix: string | undefined;
  for (;;) {
    const page = await r2(() =>
      storage.bucket.list({
        prefix,
        limit: Math.min(1000, options.maxVisited - visited + 1),
        ...(startAfter ? { startAfter } : {}),
      }),
    );
    const objects = page.objects.filter((object) => object.key !== prefix);
    for (const [index, object] of objects.entries()) {
      if (visited === options.maxVisited) {
        return { visited, nextCursor: encodeCursor(lastSuffix ?? ""), stoppedBy: "max_visited" };
      }
      const stored = toStoredObject(storage.keys, base, object);
      visited++;
      lastSuffix = stored.suffix;
      const chain = directoryChain(base, stored.path, stored.kind);
      let common = 0;
      while (
        common < chain.length &&
        common < previousChain.length &&
        chain[common]!.relative === previousChain[common]!.relative
      )
        common++;
      previousChain = chain;
      const entries: WalkEntry[] = chain.slice(common).map((path) => ({ path, type: "directory", size: 0 }));
      if (stored.kind === "file") entries.push({ path: stored.path, type: "file", size: object.size });
      if (entries.length > 0 && !visit(entries)) {
        const more = index < objects.length - 1 || page.truncated;
        return {
          visited,
          nextCursor: more ? encodeCursor(stored.suffix) : undefined,
          stoppedBy: more ? "visitor" : undefined,
        };
      }
    }
    if (!page.truncated) return { visited, nextCursor: undefined, stoppedBy: undefined };
    const last = page.objects.at(-1);
    if (!last) return { visited, nextCursor: undefined, stoppedBy: undefined };
    startAfter = last.key;
  }
}
