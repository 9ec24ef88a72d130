/**
 * The dev signing key shared by `npm run dev`, `npm run token` and the dev authorization server (the
 * ports and URLs are in dev-settings.mjs, re-exported here).
 *
 * - Key: one ES256 pair generated on first use into `.dev-keys/` (git-ignored, private key file mode
 *   0600). The dev authorization server signs with it and `npm run token` signs with it, so both kinds
 *   of token verify against the same inline JWKS. Nothing here is used outside ENVIRONMENT=development.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, importJWK } from "jose";

export { DEFAULT_PORT, resolveDevSettings } from "./dev-settings.mjs";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const KEY_DIR = join(PROJECT_ROOT, ".dev-keys");
const PRIVATE_FILE = join(KEY_DIR, "signing-key.private.jwk.json");
const PUBLIC_FILE = join(KEY_DIR, "jwks.json");

/** Returns the dev key pair, creating it if this checkout has none yet. */
export async function loadOrCreateDevKeys() {
  if (!existsSync(PRIVATE_FILE) || !existsSync(PUBLIC_FILE)) {
    mkdirSync(KEY_DIR, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const kid = `dev-${new Date().toISOString().slice(0, 10)}-${Math.random().toString(36).slice(2, 8)}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
    writeFileSync(PRIVATE_FILE, JSON.stringify(privateJwk), { mode: 0o600 });
    writeFileSync(PUBLIC_FILE, JSON.stringify({ keys: [publicJwk] }));
    console.error(`Generated a dev signing key in ${KEY_DIR} (git-ignored).`);
  }
  const privateJwk = JSON.parse(readFileSync(PRIVATE_FILE, "utf8"));
  return {
    kid: privateJwk.kid,
    privateJwk,
    privateKey: await importJWK(privateJwk, "ES256"),
    jwks: JSON.parse(readFileSync(PUBLIC_FILE, "utf8")),
  };
}
