/** Mints access tokens the way an identity provider would, with every knob an attack test needs. */
import { type CryptoKey, type JWTPayload, SignJWT } from "jose";
import type { TestKey } from "./keys";

export const ISSUER = "https://issuer.example.test/";
export const AUDIENCE = "https://files.example.test/mcp";
export const ALL_SCOPES = "files:read files:write files:delete";

export interface MintOptions {
  key: TestKey;
  claims?: JWTPayload & Record<string, unknown>;
  /** Claims to remove from the defaults (e.g. "exp"). */
  omit?: string[];
  header?: Record<string, unknown>;
  signingKey?: CryptoKey | Uint8Array;
  alg?: string;
}

export async function mintToken(options: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "alice",
    scope: ALL_SCOPES,
    iat: now,
    exp: now + 300,
    client_id: "test-agent",
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete payload[name];
  const alg = options.alg ?? options.key.alg;
  return new SignJWT(payload)
    .setProtectedHeader({ alg, kid: options.key.kid, typ: "at+jwt", ...options.header })
    .sign(options.signingKey ?? options.key.privateKey);
}

/** base64url without padding, for hand-built tokens (alg "none", tampered payloads). */
export function base64url(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
