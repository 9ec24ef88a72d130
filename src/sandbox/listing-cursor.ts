/**
 * Listing cursors handed to callers: R2's own cursor wrapped with the directory it belongs to. R2
 * silently accepts a made-up cursor (and one from another listing), so without this a mistaken agent
 * would get a wrong page instead of an error. Not a security boundary — R2 still confines every page to
 * the tenant's prefix — just a clear `invalid_arguments` for cursors we did not issue for this listing.
 */
import { base64url } from "jose";
import { ToolError } from "../errors/tool-error";

const VERSION = 1;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `scope` names the listing (e.g. the directory's relative path) the cursor may continue. */
export function encodeListingCursor(scope: string, r2Cursor: string): string {
  return base64url.encode(JSON.stringify({ v: VERSION, s: scope, c: r2Cursor }));
}

export function decodeListingCursor(scope: string, cursor: string): string {
  const refused = () =>
    new ToolError("invalid_arguments", "cursor is not one this server returned for this listing", {
      parameter: "cursor",
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(base64url.decode(cursor)));
  } catch {
    throw refused();
  }
  const { v, s, c } = (parsed ?? {}) as { v?: unknown; s?: unknown; c?: unknown };
  if (v !== VERSION || s !== scope || typeof c !== "string" || c.length === 0) throw refused();
  return c;
}
