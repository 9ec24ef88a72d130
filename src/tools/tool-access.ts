/**
 * Building the `access(input)` declarations of tools: the caller's raw path is canonicalized here with
 * the sandbox's own parser (so the policy matches globs against exactly the key the sandbox will build),
 * and a path the sandbox would refuse is refused now, before any R2 access, with the same error.
 */
import type { Access, Action } from "../policy/access";
import { parseSandboxPath } from "../sandbox/sandbox-path";

export interface TouchOptions {
  readonly allowRoot?: boolean;
  /** The call may act on everything below the path too (a directory's contents). */
  readonly subtree?: boolean;
  /** Bytes the caller brings in, for `limit` rules. */
  readonly bytes?: number;
}

export function touch(action: Action, raw: string, parameter: string, options: TouchOptions = {}): Access {
  const path = parseSandboxPath(raw, parameter, options.allowRoot === false ? { allowRoot: false } : {});
  return {
    action,
    path: path.relative,
    ...(options.subtree ? { subtree: true } : {}),
    ...(options.bytes !== undefined ? { bytes: options.bytes } : {}),
  };
}

/** An access whose paths cannot be known before the call runs (the trash): every rule for it applies. */
export function anywhere(action: Action): Access {
  return { action, path: null };
}
