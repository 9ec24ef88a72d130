/**
 * Listing cursors handed to callers: R2's own cursor wrapped with the directory it belongs to. R2
 * silently accepts a made-up cursor (and one from another listing), so without this a mistaken agent
 * would get a wrong page instead of an error. Not a security boundary — R2 still confines every page to
 * the tenant's prefix — just a clear `invalid_arguments` for cursors we did not issue for this listing.
 */
import { ToolError } from "../errors/tool-error";

const VERSION = 1;

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
    Uint8Array.from(binary, (c) => c.charCodeAt(0)),
  );
}

/** `scope` names the listing (e.g. the directory's relative path) the cursor may continue. */
export function encodeListingCursor(scope: string, r2Cursor: string): string {
  return toBase64Url(JSON.stringify({ v: VERSION, s: scope, c: r2Cursor }));
}

export function decodeListingCursor(scope: string, cursor: string): string {
  const refused = () =>
    new ToolError("invalid_arguments", "cursor is not one this server returned for this listing", {
      parameter: "cursor",
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromBase64Url(cursor));
  } catch {
    throw refused();
  }
  const { v, s, c } = (parsed ?? {}) as { v?: unknown; s?: unknown; c?: unknown };
  if (v !== VERSION || s !== scope || typeof c !== "string" || c.length === 0) throw refused();
  return c;
}
