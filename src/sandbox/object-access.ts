/**
 * What the policy gate requires of each object a multi-object operation touches (docs/policy.md,
 * "What each action covers"), in one place for the synchronous tools and the background steps alike:
 * - a copy makes the source's content readable at the target: `read` at the source, `write` at the
 *   target; a move also removes the source (`delete`) and is a `move` on both sides;
 * - a restore writes at its target (`restore`, `write`), and when the target is not where the object
 *   was deleted from, it also makes the original's content readable there (`read` at the original).
 */
import type { Action } from "../policy/access";
import type { SandboxPath } from "./sandbox-path";
import { requireAccess, type Storage } from "./storage";

export type TransferMode = "move" | "copy";

export function transferAccesses(mode: TransferMode): { source: readonly Action[]; target: readonly Action[] } {
  return mode === "move"
    ? { source: ["read", "delete", "move"], target: ["write", "move"] }
    : { source: ["read"], target: ["write"] };
}

/**
 * Whether an existing object at `target` may be compared with what would be put there: "an identical
 * copy is already there" (a resumed move, copy or restore) against "something else is there" is an
 * equality oracle on the target's content, so it is answered only to a caller who may `read` it (a
 * directory marker holds no content). Otherwise an existing target is simply occupied.
 */
export function mayCompareWith(storage: Storage, target: SandboxPath, kind: "file" | "marker"): boolean {
  return kind === "marker" || storage.gate.permits("read", target.relative);
}

/** Throws the gate's refusal unless the object deleted at `original` may be restored to `target`. */
export function requireRestoreAccess(storage: Storage, original: SandboxPath, target: SandboxPath): void {
  requireAccess(storage, ["restore", "write"], target);
  if (target.relative !== original.relative) requireAccess(storage, ["read"], original);
}
