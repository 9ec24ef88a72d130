/**
 * What the policy gate requires of each object a multi-object operation touches (docs/policy.md,
 * "What each action covers"), in one place for the synchronous tools and the background steps alike:
 * - a copy makes the source's content readable at the target: `read` at the source, `write` at the
 *   target; a move also removes the source (`delete`) and is a `move` on both sides;
 * - a restore writes at its target (`restore`, `write`), and when the target is not where the object
 *   was deleted from, it also makes the original's content readable there (`read` at the original).
 */
import { labelTerms, readLabel } from "../content/labels";
import { ToolError } from "../errors/tool-error";
import type { Action } from "../policy/access";
import { LABEL_TERMS } from "../policy/policy-document";
import type { SandboxPath } from "./sandbox-path";
import { type StoredVersion, viewMayDiffer } from "./shown-etag";
import { isCopyOf, isIdenticalCopy, requireAccess, type Storage } from "./storage";

export type TransferMode = "move" | "copy";

export function transferAccesses(mode: TransferMode): { source: readonly Action[]; target: readonly Action[] } {
  return mode === "move"
    ? { source: ["read", "delete", "move"], target: ["write", "move"] }
    : { source: ["read"], target: ["write"] };
}

/**
 * Whether an existing object at `target` may be compared with what would be put there: "an identical
 * copy is already there" (a resumed move, copy or restore) against "something else is there" is an
 * equality oracle on both contents, so it is answered only to a caller who may `read` the target and
 * sees both contents whole (a guess written next to a file with a redacted secret, then copied onto it,
 * would otherwise be confirmed; shown-etag.ts). A directory marker holds no content. Otherwise an
 * existing target is simply occupied.
 */
export function mayCompareWith(
  storage: Storage,
  target: SandboxPath,
  kind: "file" | "marker",
  existing: StoredVersion,
  incoming: { readonly object: StoredVersion; readonly from: SandboxPath },
): boolean {
  if (kind === "marker") return true;
  return (
    storage.gate.permits("read", target.relative) &&
    !viewMayDiffer(storage, target, existing) &&
    !viewMayDiffer(storage, target, incoming.object) &&
    !viewMayDiffer(storage, incoming.from, incoming.object)
  );
}

/**
 * Whether an existing target is this operation's own earlier copy of `incoming`, so a retry finishes
 * instead of failing: made by this server from exactly that version (no content comparison, so no
 * oracle), or found identical by a caller allowed to compare (`mayCompareWith`).
 */
export function isResumable(
  storage: Storage,
  target: SandboxPath,
  kind: "file" | "marker",
  existing: R2Object,
  incoming: { readonly object: R2Object; readonly from: SandboxPath },
): boolean {
  if (!isIdenticalCopy(existing, incoming.object)) return false;
  return isCopyOf(existing, incoming.object) || mayCompareWith(storage, target, kind, existing, incoming);
}

/** Every label term a rule can name: content of unknown label is judged as if it carried them all. */
const ANY_CONTENT: ReadonlySet<string> = new Set(LABEL_TERMS);

/**
 * The policy's label rules for an object whose content a copy, move or restore takes somewhere, judged
 * by the label it carries in its metadata (the content is not read): "nobody writes a file containing a
 * secret under shared/" holds for a copy as for a write. `accesses` are the actions at each end (the
 * source's `read` too: a label rule on reading at the source must not be walked around by copying the
 * content elsewhere). An object without a current label is allowed only where no label rule could
 * refuse it; otherwise it is refused until it is classified (reading it labels it). Markers hold no
 * content.
 */
export function requireLabelRules(
  storage: Storage,
  object: StoredVersion,
  kind: "file" | "marker",
  accesses: readonly { readonly actions: readonly Action[]; readonly path: SandboxPath }[],
): void {
  if (kind === "marker") return;
  const label = readLabel(object.customMetadata);
  for (const { actions, path } of accesses) {
    for (const action of actions) {
      if (label) {
        storage.gate.requireContent(action, path.relative, labelTerms(label));
        continue;
      }
      try {
        storage.gate.requireContent(action, path.relative, ANY_CONTENT);
      } catch (error) {
        if (!(error instanceof ToolError)) throw error;
        throw new ToolError(
          error.code,
          `${named(storage, accesses[0]!.path, "A file")} has not been classified yet, and the access policy judges ` +
            `${action} on ${named(storage, path, "that path")} by what the content holds (rule ${String(error.details.rule ?? "")}). ` +
            "Read the file first (reading classifies and labels it), then retry. Nothing was changed.",
          { ...error.details, reason: "not_classified" },
        );
      }
    }
  }
}

/** A path in a refusal only when the caller may `list` it (gate.ts). */
function named(storage: Storage, path: SandboxPath, otherwise: string): string {
  return storage.gate.permits("list", path.relative) ? path.display : otherwise;
}

/** The actions at each end of a restore, for `requireLabelRules`. */
export function restoreEnds(original: SandboxPath, target: SandboxPath) {
  // The original first: refusals name the file by it.
  return [
    ...(target.relative !== original.relative ? [{ actions: ["read"] as const, path: original }] : []),
    { actions: ["restore", "write"] as const, path: target },
  ];
}

/** The actions at each end of a move or copy, for `requireLabelRules`. */
export function transferEnds(mode: TransferMode, source: SandboxPath, target: SandboxPath) {
  const required = transferAccesses(mode);
  return [
    { actions: required.source, path: source },
    { actions: required.target, path: target },
  ];
}

/** Throws the gate's refusal unless the object deleted at `original` may be restored to `target`. */
export function requireRestoreAccess(storage: Storage, original: SandboxPath, target: SandboxPath): void {
  requireAccess(storage, ["restore", "write"], target);
  if (target.relative !== original.relative) requireAccess(storage, ["read"], original);
}
