/**
 * append_file over R2, which has no append: read the current object, put old bytes + new bytes
 * *conditional on the etag that was read* (or create-only when there was nothing), and on a lost race
 * read again and retry. So concurrent appends all land, each exactly once, in some order, and none is
 * lost (invariant 6, docs/architecture.md): a put only succeeds on the very version it extended.
 *
 * - The old bytes are streamed into the new object (a FixedLengthStream of the known total), so a file
 *   larger than the isolate could hold can still grow; the result is capped (MAX_APPEND_RESULT_BYTES),
 *   because each append rewrites the whole object.
 * - Contention: after a lost race the next attempt waits a short random time (full jitter), so N
 *   concurrent appenders settle in about N rounds; past MAX_APPEND_ATTEMPTS the call answers `conflict`
 *   with nothing written.
 * - Storage quota: the appended bytes are reserved once before the first attempt and handed back if
 *   nothing was written.
 */

import { readLabel, type SensitivityLabel, withLabel, withoutLabel } from "../content/labels";
import { ToolError } from "../errors/tool-error";
import { labelForWrite } from "./sandbox-content";
import type { SandboxPath } from "./sandbox-path";
import { asSeen, createOnly, type EntryInfo, fileInfo, r2, requireAccess, type Storage } from "./storage";

/** Largest file append_file produces: each append rewrites the whole object, so growth by appends is bounded. */
export const MAX_APPEND_RESULT_BYTES = 64 * 1024 * 1024;
export const MAX_APPEND_ATTEMPTS = 40;
const BACKOFF_CAP_MS = 40;

export interface AppendReceipt {
  readonly file: EntryInfo;
  readonly created: boolean;
  /** Conditional puts that lost a race before this one landed. */
  readonly retries: number;
}

function bodyOf(existing: R2ObjectBody | null, added: Uint8Array): ReadableStream<Uint8Array> | Uint8Array {
  if (!existing) return added;
  const total = existing.size + added.byteLength;
  const { readable, writable } = new FixedLengthStream(total);
  void (async () => {
    try {
      await existing.body.pipeTo(writable, { preventClose: true });
      const writer = writable.getWriter();
      await writer.write(added);
      await writer.close();
    } catch (error) {
      await writable.abort(error).catch(() => undefined);
    }
  })();
  return readable;
}

function appendedLabel(
  metadata: Record<string, string> | undefined,
  added: SensitivityLabel,
  created: boolean,
): Record<string, string> {
  if (created) return withLabel(undefined, added);
  const current = readLabel(metadata);
  if (!current) return withoutLabel(metadata);
  const detectors: Record<string, number> = { ...current.detectors };
  for (const [id, count] of Object.entries(added.detectors)) detectors[id] = (detectors[id] ?? 0) + count;
  return withLabel(metadata, {
    version: current.version,
    categories: [...new Set([...current.categories, ...added.categories])].sort(),
    detectors: Object.fromEntries(Object.entries(detectors).sort(([a], [b]) => a.localeCompare(b))),
    flags: [...new Set([...current.flags, ...added.flags])].sort(),
  });
}

export async function appendToFile(
  storage: Storage,
  path: SandboxPath,
  added: Uint8Array,
  options: { contentType: string; assertWritable: () => Promise<void>; sleep?: (ms: number) => Promise<void> },
): Promise<AppendReceipt> {
  const key = storage.keys.fileKey(path);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  requireAccess(storage, ["write"], path);
  // The appended text is classified (and judged: "nobody writes a secret") on its own; the file's label
  // becomes the union with its current one, or is dropped when there is none (classified on next read).
  const addedLabel = labelForWrite(storage, path, added);
  await options.assertWritable();
  await storage.meter.adjust(added.byteLength);
  let landed = false;
  try {
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      if (attempt > 0) await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, 2 * attempt));
      const existing = await r2(() => storage.bucket.get(key));
      if (existing) {
        try {
          requireAccess(storage, ["overwrite"], path);
        } catch (error) {
          await existing.body.cancel();
          throw error;
        }
      }
      if (existing && existing.size + added.byteLength > MAX_APPEND_RESULT_BYTES) {
        await existing.body.cancel();
        throw new ToolError(
          "too_large",
          `${path.display} would grow to ${existing.size + added.byteLength} bytes; append_file keeps files at most ` +
            `${MAX_APPEND_RESULT_BYTES} bytes. Nothing was appended; start a new file.`,
          { path: path.display, size: existing.size, maxBytes: MAX_APPEND_RESULT_BYTES },
        );
      }
      const written = await r2(() =>
        storage.bucket.put(key, bodyOf(existing, added), {
          onlyIf: existing ? { etagMatches: existing.etag } : createOnly(),
          httpMetadata: existing?.httpMetadata ?? { contentType: options.contentType },
          customMetadata: appendedLabel(existing?.customMetadata, addedLabel, existing === null),
        }),
      );
      if (written) {
        landed = true;
        // The new etag is an MD5 over the old content too: shown only to a caller who may read it.
        return { file: asSeen(storage, fileInfo(path, written)), created: existing === null, retries: attempt };
      }
    }
  } finally {
    if (!landed) await storage.meter.adjust(-added.byteLength);
  }
  throw new ToolError(
    "conflict",
    `${path.display} kept changing while appending (${MAX_APPEND_ATTEMPTS} attempts); nothing was appended. Retry.`,
    { path: path.display },
  );
}
