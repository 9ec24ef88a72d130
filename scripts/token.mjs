/**
 * `npm run -s token -- --sub alice --scope "files:read files:write"`: prints an access token for the
 * local dev server, signed by the dev issuer's key (created on first use). Only the token goes to stdout,
 * so `TOKEN=$(npm run -s token -- --sub alice)` works.
 *
 * Options: --sub (default "dev-user"), --scope (default "files:read files:write"),
 * --ttl seconds (default 3600), --tenant-claim NAME --tenant VALUE (when OAUTH_TENANT_CLAIM is not sub),
 * --aud (default the dev audience).
 */
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevKeys } from "./dev-keys.mjs";

const { values } = parseArgs({
  options: {
    sub: { type: "string", default: "dev-user" },
    scope: { type: "string", default: "files:read files:write" },
    ttl: { type: "string", default: "3600" },
    aud: { type: "string", default: DEV_AUDIENCE },
    "tenant-claim": { type: "string" },
    tenant: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.error(
    'usage: npm run -s token -- [--sub alice] [--scope "files:read files:write files:delete"] [--ttl 3600]',
  );
  process.exit(0);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error("--ttl must be a positive whole number of seconds");
  process.exit(2);
}

const { kid, privateKey } = await loadOrCreateDevKeys();
const claims = { scope: values.scope, client_id: "dev-cli" };
if (values["tenant-claim"]) claims[values["tenant-claim"]] = values.tenant ?? values.sub;
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
  .setIssuer(DEV_ISSUER)
  .setAudience(values.aud)
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(privateKey);
process.stdout.write(`${token}\n`);
