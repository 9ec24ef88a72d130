/**
 * The three scopes a token can grant (DESIGN contract). Defined here, in the pure policy folder, so the
 * policy never depends on the auth folder; src/auth/principal.ts re-exports them.
 */
export const SCOPES = ["files:read", "files:write", "files:delete"] as const;
export type Scope = (typeof SCOPES)[number];
