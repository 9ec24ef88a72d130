/**
 * `npm run -s token -- --sub alice --scope "files:read files:write"`: prints an access token for the
 * local dev server, signed by the dev issuer's key (created on first use). Only the token goes to stdout,
 * so `TOKEN=$(npm run -s token -- --sub alice)` works.
 *
 * Options: --sub (default "dev-user"), --scope (default "files:read files:write"), --roles "a b",
 * --ttl seconds (default 3600), --tenant-claim NAME --tenant VALUE (when OAUTH_TENANT_CLAIM is not sub),
 * --port / --auth-port (or PORT / AUTH_PORT: the same settings as `npm run dev`), --aud (default the
 * dev audience for that port). The issuer is the dev authorization server's, with the same key, so these
 * tokens and the ones it issues verify alike. For the access policy (docs/policy.md): --roles-claim NAME
 * (default `roles`), --auth-age seconds (`auth_time` that long ago; default: now), --acr VALUE.
 */
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { loadOrCreateDevKeys, resolveDevSettings } from "./dev-keys.mjs";

let settings;
try {
  settings = resolveDevSettings();
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const { values } = parseArgs({
  args: settings.rest,
  options: {
    sub: { type: "string", default: "dev-user" },
    scope: { type: "string", default: "files:read files:write" },
    ttl: { type: "string", default: "3600" },
    aud: { type: "string", default: settings.audience },
    roles: { type: "string" },
    "tenant-claim": { type: "string" },
    tenant: { type: "string" },
    "roles-claim": { type: "string", default: "roles" },
    "auth-age": { type: "string", default: "0" },
    acr: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.error(
    'usage: npm run -s token -- [--port 8787] [--sub alice] [--scope "files:read files:write files:delete"] [--roles "editor"] [--ttl 3600] ' +
      "[--roles-claim roles] [--auth-age 0] [--acr urn:mfa]",
  );
  process.exit(0);
}
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) {
  console.error("--ttl must be a positive whole number of seconds");
  process.exit(2);
}

const authAge = Number(values["auth-age"]);
if (!Number.isInteger(authAge) || authAge < 0) {
  console.error("--auth-age must be a whole number of seconds");
  process.exit(2);
}

const { kid, privateKey } = await loadOrCreateDevKeys();
const claims = { scope: values.scope, client_id: "dev-cli", auth_time: Math.floor(Date.now() / 1000) - authAge };
if (values["tenant-claim"]) claims[values["tenant-claim"]] = values.tenant ?? values.sub;
if (values.roles) claims[values["roles-claim"]] = values.roles.split(/[\s,]+/).filter((role) => role.length > 0);
if (values.acr !== undefined) claims.acr = values.acr;
const token = await new SignJWT(claims)
  .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
  .setIssuer(settings.issuer)
  .setAudience(values.aud)
  .setSubject(values.sub)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(privateKey);
process.stdout.write(`${token}\n`);
