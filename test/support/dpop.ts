/** A DPoP client key and proofs (RFC 9449 §4.2) with every knob a refusal test needs. */
import { base64url, type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** `cnf.jkt` for tokens bound to this key. */
  readonly jkt: string;
}

export async function createDpopKey(alg = "ES256"): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, "sha256") };
}

export async function tokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

export interface ProofOptions {
  readonly key: DpopKey;
  readonly htm?: string;
  readonly htu: string;
  readonly accessToken?: string;
  /** Seconds since the epoch; default now. */
  readonly iat?: number;
  readonly jti?: string;
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  readonly alg?: string;
  readonly omit?: string[];
}

export async function createProof(options: ProofOptions): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: options.jti ?? crypto.randomUUID(),
    htm: options.htm ?? "POST",
    htu: options.htu,
    iat: options.iat ?? Math.floor(Date.now() / 1000),
    ...(options.accessToken !== undefined ? { ath: await tokenHash(options.accessToken) } : {}),
    ...options.claims,
  };
  for (const name of options.omit ?? []) delete payload[name];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? "ES256", typ: "dpop+jwt", jwk: options.key.publicJwk, ...options.header })
    .sign(options.key.privateKey);
}
