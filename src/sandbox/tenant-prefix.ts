/**
 * Tenant id (a raw claim value) → the folder name its objects live under.
 *
 * The encoding keeps `A-Z a-z 0-9 _ -` and writes every other UTF-8 byte as `~XX` (uppercase hex), `~`
 * included. So:
 * - it is injective: two different tenant ids never share a folder (no Unicode normalisation, which
 *   would merge `é` composed and decomposed into one tenant);
 * - its output has no `/` and no `.`, so no claim (`../bob`, `a/b`, `alice/`) can add a path level;
 * - the folder is always followed by `/`, so no tenant's prefix is a prefix of another's (`t1/` vs `t10/`).
 * Look-alike ids (Cyrillic `а` for Latin `a`) stay distinct and are visibly escaped in the bucket.
 */
import { toHex } from "../encoding/hex";
import { ToolError } from "../errors/tool-error";

export const MAX_TENANT_ID_BYTES = 128;
const encoder = new TextEncoder();
const KEPT = /^[A-Za-z0-9_-]$/;

export class TenantIdRefusedError extends ToolError {
  constructor() {
    super("forbidden", "The tenant claim of this token cannot name a storage sandbox.");
  }
}

/** Checked at authentication, so a token whose tenant cannot name a sandbox is refused there. */
export function isValidTenantId(tenant: string): boolean {
  return tenant.length > 0 && tenant.isWellFormed() && encoder.encode(tenant).length <= MAX_TENANT_ID_BYTES;
}

export function encodeTenantId(tenant: string): string {
  if (!isValidTenantId(tenant)) throw new TenantIdRefusedError();
  const bytes = encoder.encode(tenant);
  let out = "";
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && KEPT.test(char) ? char : `~${toHex(Uint8Array.of(byte)).toUpperCase()}`;
  }
  return out;
}
