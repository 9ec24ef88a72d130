/**
 * The audit trail's development signing key: an Ed25519 private JWK generated on first use into
 * `.dev-keys/audit-signing-key.private.jwk.json` (git-ignored, mode 0600). `npm run dev` hands it to
 * the Worker as AUDIT_SIGNING_KEY; `npm run audit -- verify` reads its public half by default.
 * Production keys come from `npm run audit -- keygen` and live only in the Worker's secrets.
 */
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./dev-keys.mjs";

export const AUDIT_DEV_KEY_FILE = join(PROJECT_ROOT, ".dev-keys", "audit-signing-key.private.jwk.json");

export function generateAuditKey() {
  const { kty, crv, d, x } = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  return { kty, crv, d, x };
}

export function loadOrCreateAuditDevKey() {
  if (!existsSync(AUDIT_DEV_KEY_FILE)) {
    mkdirSync(join(PROJECT_ROOT, ".dev-keys"), { recursive: true, mode: 0o700 });
    writeFileSync(AUDIT_DEV_KEY_FILE, JSON.stringify(generateAuditKey()), { mode: 0o600 });
    console.error(`Generated the audit trail's dev signing key in ${AUDIT_DEV_KEY_FILE} (git-ignored).`);
  }
  return JSON.parse(readFileSync(AUDIT_DEV_KEY_FILE, "utf8"));
}
