/**
 * Which etag a caller is shown for an object, and which `ifMatch` it may use (docs/sensitive-data.md,
 * "Etags").
 *
 * R2's etag is the MD5 of the stored bytes. Shown for a file whose view is redacted for the caller, it
 * would let the caller confirm a guessed secret: offline (hash the known rest with each guess), through a
 * conditional write (success against `conflict`), or by writing the guess elsewhere and comparing etags.
 * So when the caller's view of an object may differ from its bytes — its label names something this
 * caller sees redacted, or it has no current label yet (nobody knows what it holds) — the caller is shown
 * an opaque version tag instead: `opaque-` + R2's `version`, a random id per upload that says nothing
 * about the content (identical bytes written twice get two different tags). A caller who may not `read`
 * the object is shown no etag at all (gate.ts).
 *
 * `ifMatch` accepts exactly what was shown: an opaque tag is compared with the object's version; an MD5
 * is compared only when the caller's view is the whole content. An MD5 given for an object whose view
 * is redacted is refused without being compared, so right and wrong guesses get the same answer.
 */
import { labelTerms, readLabel } from "../content/labels";
import { ToolError } from "../errors/tool-error";
import { MAX_TEXT_READ_BYTES } from "../files/limits";
import type { SandboxPath } from "./sandbox-path";
import type { Storage } from "./storage";

export const OPAQUE_ETAG_PREFIX = "opaque-";

/** What of a stored object decides its shown etag (an R2Object, or an entry built from one). */
export interface StoredVersion {
  readonly etag: string;
  readonly version: string;
  readonly size: number;
  readonly customMetadata?: Record<string, string> | undefined;
}

/**
 * Set when a read labels an object by rewriting the same bytes (sandbox-content.ts): `<version> <etag>`
 * of the object it replaced. The tag shown for that version stays good while the etag is unchanged (the
 * same bytes), so labelling a file does not turn every tag shown before into a conflict.
 */
export const RELABELLED_FROM = "relabelled-from";

export function relabelledFrom(object: StoredVersion): Record<string, string> {
  return { [RELABELLED_FROM]: `${object.version} ${object.etag}` };
}

/** The opaque tags that designate `object`: its own, and its unlabelled predecessor's (same bytes). */
function opaqueTagsOf(object: StoredVersion): string[] {
  const tags = [opaqueEtag(object.version)];
  const [version, etag] = (object.customMetadata?.[RELABELLED_FROM] ?? "").split(" ");
  if (version && etag === object.etag) tags.push(opaqueEtag(version));
  return tags;
}

export function opaqueEtag(version: string): string {
  return `${OPAQUE_ETAG_PREFIX}${version}`;
}

export function isOpaqueEtag(etag: string): boolean {
  return etag.startsWith(OPAQUE_ETAG_PREFIX);
}

/**
 * Whether the caller's view of `object` at `path` may differ from its stored bytes: no current label
 * (unknown content), a label term this caller sees redacted there, or a file too large to be viewed
 * whole whose pages get lines of key material redacted (sandbox-content.ts) when secrets are.
 */
export function viewMayDiffer(storage: Storage, path: SandboxPath, object: StoredVersion): boolean {
  const label = readLabel(object.customMetadata);
  if (!label) return true;
  const redacted = storage.gate.redactionFor(path.relative);
  if (redacted.size === 0) return false;
  for (const term of labelTerms(label)) if (redacted.has(term)) return true;
  return object.size > MAX_TEXT_READ_BYTES && (redacted.has("secret") || redacted.has("private-key"));
}

/** The etag the caller is shown: none without `read`, opaque when its view may differ, else R2's MD5. */
export function shownEtag(storage: Storage, path: SandboxPath, object: StoredVersion): string | undefined {
  if (!storage.gate.permits("read", path.relative)) return undefined;
  return viewMayDiffer(storage, path, object) ? opaqueEtag(object.version) : object.etag;
}

/**
 * `match`: `given` is an etag this caller was (or could have been) shown for `current` (or for the
 * same bytes before a read labelled them). `mismatch`: it is not. `hidden`: an MD5 given for an object
 * whose view is redacted for this caller; never compared.
 */
export type EtagAnswer = "match" | "mismatch" | "hidden";

export function answerIfMatch(storage: Storage, path: SandboxPath, current: StoredVersion, given: string): EtagAnswer {
  if (isOpaqueEtag(given)) return opaqueTagsOf(current).includes(given) ? "match" : "mismatch";
  // Decided from the object and the caller alone, before any comparison: a right guess and a wrong one
  // get the same answer.
  if (viewMayDiffer(storage, path, current)) return "hidden";
  return current.etag === given ? "match" : "mismatch";
}

/**
 * The `conflict` for an `ifMatch` that did not match: what is there now, with the etag the caller may be
 * shown. An MD5 given for an object whose view is redacted gets its own advice, whatever its value.
 */
export function ifMatchRefused(
  storage: Storage,
  path: SandboxPath,
  current: StoredVersion,
  answer: Exclude<EtagAnswer, "match">,
  nothing: "written" | "changed",
): ToolError {
  const currentEtag = shownEtag(storage, path, current);
  const now = currentEtag !== undefined ? ` (now ${currentEtag})` : "";
  const message =
    answer === "hidden"
      ? `${path.display} is shown to you redacted, so its etag is an opaque version tag${now}, never the MD5 of ` +
        `its content; ifMatch must be the etag you were shown. Nothing was ${nothing}. Take the etag from ` +
        "get_file_info, a listing or your last write and retry."
      : `${path.display} changed since the etag you gave${now}; nothing was ${nothing}. Read it again and retry.`;
  return new ToolError("conflict", message, {
    path: path.display,
    ...(currentEtag !== undefined ? { currentEtag } : {}),
  });
}
