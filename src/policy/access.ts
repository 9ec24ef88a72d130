/**
 * What a tool call touches, declared by the tool before it runs (its `access(input)` hook) and judged by
 * the policy before any R2 access. Paths are canonical and relative to the tenant root (`a/b.txt`, "" for
 * the root), the form globs are matched against.
 */
export const ACTIONS = ["read", "list", "write", "overwrite", "delete", "move", "restore", "purge"] as const;
export type Action = (typeof ACTIONS)[number];

export interface Access {
  readonly action: Action;
  /**
   * Canonical tenant-relative path, or `null` when the call cannot know it before running (restoring a
   * trash entry to where it was, purging the trash, listing the trash): such an access is treated as
   * possibly touching any path, so every rule for its action applies (fail closed).
   */
  readonly path: string | null;
  /**
   * The call may also act on everything below `path` (a recursive delete, moving what may be a
   * directory): rules whose globs could match below it apply too.
   */
  readonly subtree?: boolean;
  /** Bytes the caller brings in (write/overwrite); what `limit` rules measure. */
  readonly bytes?: number;
  /**
   * The label terms of the content touched (categories, detector ids, flags: src/content/labels.ts),
   * known only where content is: at the storage gate. Rules with `labels` match only accesses that carry
   * one of theirs; before the content is seen (the call-level decision) they do not apply yet.
   */
  readonly labels?: ReadonlySet<string>;
}
