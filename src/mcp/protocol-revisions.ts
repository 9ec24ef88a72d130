/**
 * The protocol revisions this server serves: the one list every answer that names revisions is built
 * from (`server/discover`'s `supportedVersions`, `-32022`'s `data.supported`, `initialize`'s negotiation)
 * and that docs/protocol.md's table must match (test/unit/protocol-revisions.test.ts).
 *
 * Written out rather than taken from the SDK's exports: a dependency update that adds or drops a
 * revision must show up here, in review, with the docs beside it. The test checks that the SDK
 * implements each one.
 *
 * Newest first. A dual-era server lists both eras in one list (2026-07-28 "Versioning": the
 * UnsupportedProtocolVersionError example lists `["2026-07-28", "2025-11-25"]`); a client picks a revision
 * of its own era from it. Modern revisions are spoken with the per-request `_meta` envelope, legacy ones
 * through the `initialize` handshake.
 */

/** Revisions with the per-request envelope (no `initialize`). */
export const MODERN_REVISIONS = ["2026-07-28"] as const;

/** Revisions negotiated by `initialize`; a client asking for another gets the first. */
export const LEGACY_REVISIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "2024-10-07"] as const;

/** Every revision served, newest first. */
export const SERVED_REVISIONS: readonly string[] = [...MODERN_REVISIONS, ...LEGACY_REVISIONS];

/**
 * The revision a 2025-era request speaks when it sends no `MCP-Protocol-Version` header (2025-06-18
 * "Protocol Version Header": "the server SHOULD assume protocol version 2025-03-26").
 */
export const HEADERLESS_REVISION = "2025-03-26";

export function isModernRevision(revision: string): boolean {
  return (MODERN_REVISIONS as readonly string[]).includes(revision);
}

export function isServedRevision(revision: string): boolean {
  return SERVED_REVISIONS.includes(revision);
}
