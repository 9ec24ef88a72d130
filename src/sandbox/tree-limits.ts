/**
 * How much of a directory one request handles. Past MAX_TREE_OBJECTS a delete, move, copy or restore
 * continues in the background (a Workflow, src/operations/) when a runner is available, and is refused
 * with `limit_reached` otherwise; see docs/tools.md, "Caps, and why".
 *
 * Kept in a module of its own so that a test project can lower the threshold for the whole Worker (the
 * request path and the Workflow alike) by resolving this one module to another: vitest.config.ts does so
 * for test/model/ (the policy model test), which needs background operations on trees of a few objects.
 */

/** Objects (files and markers) one recursive delete, move, copy or restore handles in the foreground. */
export const MAX_TREE_OBJECTS = 200;
/** Parallel R2 copies within one tree operation: enough to hide latency, few enough for Workers' connection limit. */
export const TREE_CONCURRENCY = 4;
