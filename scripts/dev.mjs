/**
 * `npm run dev`: the Worker and a dev OAuth authorization server, both on loopback and offline.
 * - Worker on http://127.0.0.1:8787 (`--port <n>` or PORT): local R2 (Miniflare, persisted in
 *   .wrangler/state), ENVIRONMENT=development (in-memory limits, http loopback URLs allowed), issuer and
 *   audience set for these ports, the dev key set inline.
 * - Authorization server on the next port (`--auth-port <n>` or AUTH_PORT): scripts/dev-auth/.
 * - Browser origins: the MCP Inspector's web UI, plus `ALLOWED_ORIGINS` (environment, or
 *   `--var ALLOWED_ORIGINS:<list>`), allowed by both servers alike (the Worker's Origin policy and CORS,
 *   the authorization server's CORS on metadata, registration and token).
 * Other arguments go to `wrangler dev` (e.g. `npm run dev -- --log-level debug`).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadOrCreateAuditDevKey } from "./audit-dev-key.mjs";
import { startDevAuthServer } from "./dev-auth/server.mjs";
import { loadOrCreateDevKeys, PROJECT_ROOT, resolveDevSettings } from "./dev-keys.mjs";
import { persistDirOf } from "./dev-settings.mjs";

let settings;
try {
  settings = resolveDevSettings();
} catch (error) {
  console.error(error.message);
  process.exit(2);
}
const { port, authPort, audience, issuer, allowedOrigins, rest } = settings;
const { jwks, privateJwk } = await loadOrCreateDevKeys();

let authServer;
try {
  authServer = await startDevAuthServer({
    port: authPort,
    resource: audience,
    privateJwk,
    allowedOrigins,
    // Beside the Worker's local state (`--persist-to` moves both), per issuer: a client registered with
    // one dev port's server is unknown to another's.
    clientsFile: join(
      persistDirOf(rest) ? resolve(PROJECT_ROOT, persistDirOf(rest)) : join(PROJECT_ROOT, ".wrangler"),
      "dev-auth",
      `clients-${authPort}.json`,
    ),
  });
} catch (error) {
  console.error(`Could not start the dev authorization server on port ${authPort}: ${error.message}`);
  console.error("Choose other ports with: npm run dev -- --port <n> [--auth-port <m>]");
  process.exit(1);
}

const vars = {
  ENVIRONMENT: "development",
  OAUTH_ISSUER: issuer,
  OAUTH_AUDIENCE: audience,
  // The same public key the authorization server publishes at its jwks_uri, inline so the Worker
  // verifies without a fetch (and `npm run token` tokens verify too).
  OAUTH_JWKS: JSON.stringify(jwks),
  // The same list the authorization server allows (dev-settings.mjs).
  ALLOWED_ORIGINS: allowedOrigins.join(","),
};

// Secrets go through a file in the git-ignored .dev-keys/, never the command line, where `ps` would show
// them: the audit trail's dev signing key (`npm run audit -- verify` checks against its public half).
const secretsFile = join(PROJECT_ROOT, ".dev-keys", "dev-secrets.env");
writeFileSync(secretsFile, `AUDIT_SIGNING_KEY='${JSON.stringify(loadOrCreateAuditDevKey())}'\n`, { mode: 0o600 });

const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
const args = [
  "dev",
  "--local",
  "--ip",
  "127.0.0.1",
  "--port",
  String(port),
  "--inspector-port",
  "0",
  ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  "--env-file",
  secretsFile,
  ...rest,
];

console.error(`MCP server:           ${audience}`);
console.error(`Authorization server: ${issuer} (sign-in page; add login_hint=<subject> to approve at once)`);
console.error(`Or a quick token:     npm run -s token -- --port ${port} --sub alice --scope "files:read files:write"`);
const child = spawn(wrangler, args, {
  cwd: PROJECT_ROOT,
  stdio: "inherit",
  // Offline by design: no telemetry, no request.cf lookup against Cloudflare.
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", async (code, signal) => {
  await authServer.close();
  process.exit(code ?? (signal ? 1 : 0));
});
