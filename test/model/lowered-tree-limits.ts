/**
 * The model test's stand-in for src/sandbox/tree-limits.ts (swapped in by vitest.config.ts for the
 * `policy-model` project only): directory operations of more than 2 objects run in the background, so
 * random trees of a dozen files exercise the Workflow path as well as the foreground one.
 */
export const MAX_TREE_OBJECTS = 2;
export const TREE_CONCURRENCY = 4;
