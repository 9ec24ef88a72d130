/**
 * Bytes → hexadecimal, the one implementation: Redis key digests, Lua script SHA-1s and the `~XX`
 * escapes of tenant prefixes all go through here, so they cannot drift apart in case or padding.
 */

/** Two lowercase hex digits per byte. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Lowercase hex digest of UTF-8 `text` (Web Crypto). */
export async function hexDigest(algorithm: "SHA-1" | "SHA-256", text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text))));
}
