/**
 * Local development settings shared by `npm run dev`, `npm run token` and the dev authorization server:
 * the ports (and so the issuer and audience URLs) and the dev signing key.
 *
 * - Ports: the Worker listens on `--port <n>` (or `PORT`, default 8787); the dev authorization server on
 *   `--auth-port <n>` (or `AUTH_PORT`, default the Worker's port + 1). The issuer is that server's origin
 *   and the audience the Worker's `/mcp`, so one setting moves both together.
 * - Key: one ES256 pair generated on first use into `.dev-keys/` (git-ignored, private key file mode
 *   0600). The dev authorization server signs with it and `npm run token` signs with it, so both kinds
 *   of token verify against the same inline JWKS. Nothing here is used outside ENVIRONMENT=development.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, importJWK } from "jose";

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const KEY_DIR = join(PROJECT_ROOT, ".dev-keys");
const PRIVATE_FILE = join(KEY_DIR, "signing-key.private.jwk.json");
const PUBLIC_FILE = join(KEY_DIR, "jwks.json");

export const DEFAULT_PORT = 8787;

function parsePort(name, raw) {
  const port = Number(raw);
  if (!/^\d+$/.test(String(raw)) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535 (got ${JSON.stringify(String(raw))})`);
  }
  return port;
}

/**
 * Takes `--port`/`--auth-port` (as `--port 8799` or `--port=8799`) out of `argv`, falling back to the
 * PORT / AUTH_PORT variables. Returns the URLs that follow from them and the arguments left over (for
 * wrangler), so `npm run dev -- --port 8799` never reaches wrangler twice.
 */
export function resolveDevSettings(argv = process.argv.slice(2), env = process.env) {
  const rest = [];
  const found = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(port|auth-port)(?:=(.*))?$/.exec(argv[i]);
    if (!match) {
      rest.push(argv[i]);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    found[match[1]] = value;
  }
  const port = parsePort("--port / PORT", found.port ?? env.PORT ?? DEFAULT_PORT);
  const authPort = parsePort("--auth-port / AUTH_PORT", found["auth-port"] ?? env.AUTH_PORT ?? port + 1);
  if (authPort === port) throw new Error("--auth-port must differ from --port");
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    authPort,
    origin,
    audience: `${origin}/mcp`,
    issuer: `http://127.0.0.1:${authPort}`,
    rest,
  };
}

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
