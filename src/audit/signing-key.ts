/**
 * The trail's Ed25519 key (RFC 8032; JWK form RFC 8037): `AUDIT_SIGNING_KEY` holds the private JWK
 * `{"kty":"OKP","crv":"Ed25519","d":…,"x":…}`; verifiers need only the public half (`x`). The key id
 * written into every batch is derived from the public key (RFC 7638 thumbprint), so a verifier can
 * pick the right key after a rotation and nobody can claim a key id they do not hold.
 * Runs unchanged in workerd and Node 22 (WebCrypto Ed25519).
 */
import { type PrivateJwk, type PublicJwk, privateJwkSchema, publicJwkSchema } from "../config/ed25519-jwk";

export { type PrivateJwk, type PublicJwk, privateJwkSchema, publicJwkSchema };

export interface TrailSigner {
  readonly keyId: string;
  readonly publicJwk: PublicJwk;
  sign(message: string): Promise<string>;
}

export interface TrailVerifierKey {
  readonly keyId: string;
  verify(message: string, signature: string): Promise<boolean>;
}

const encoder = new TextEncoder();

export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** RFC 7638 thumbprint of the public key (members in lexicographic order), first 16 base64url chars. */
export async function keyIdOf(jwk: PublicJwk): Promise<string> {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(canonical)));
  return toBase64url(digest).slice(0, 16);
}

export async function createTrailSigner(jwk: PrivateJwk): Promise<TrailSigner> {
  const key = await crypto.subtle.importKey("jwk", { ...jwk, ext: false }, { name: "Ed25519" }, false, ["sign"]);
  const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x } as const;
  const keyId = await keyIdOf(publicJwk);
  return {
    keyId,
    publicJwk,
    async sign(message) {
      return toBase64url(new Uint8Array(await crypto.subtle.sign("Ed25519", key, encoder.encode(message))));
    },
  };
}

export async function createTrailVerifierKey(jwk: PublicJwk): Promise<TrailVerifierKey> {
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", x: jwk.x },
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  return {
    keyId: await keyIdOf(jwk),
    async verify(message, signature) {
      if (!/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
      return crypto.subtle.verify("Ed25519", key, fromBase64url(signature), encoder.encode(message));
    },
  };
}
