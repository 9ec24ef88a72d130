/**
 * `npm run dev`: the Worker on http://127.0.0.1:8787 with embedded defaults and no network —
 * local R2 (Miniflare, persisted in .wrangler/state), the dev issuer's public key inline, issuer and
 * audience set for localhost, ENVIRONMENT=development (in-memory limits, http loopback URLs allowed).
 * Extra arguments go to `wrangler dev` (e.g. `npm run dev -- --var ALLOWED_ORIGINS:https://x`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { DEV_AUDIENCE, DEV_ISSUER, DEV_PORT, loadOrCreateDevKeys, PROJECT_ROOT } from "./dev-keys.mjs";

const { jwks } = await loadOrCreateDevKeys();

const vars = {
  ENVIRONMENT: "development",
  OAUTH_ISSUER: DEV_ISSUER,
  OAUTH_AUDIENCE: DEV_AUDIENCE,
  OAUTH_JWKS: JSON.stringify(jwks),
  // The MCP Inspector's web UI, so it can be used against the dev server from a browser.
  ALLOWED_ORIGINS: "http://localhost:6274,http://127.0.0.1:6274",
};

const wrangler = join(PROJECT_ROOT, "node_modules", ".bin", "wrangler");
const args = [
  "dev",
  "--local",
  "--ip",
  "127.0.0.1",
  "--port",
  String(DEV_PORT),
  "--inspector-port",
  "0",
  ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ...process.argv.slice(2),
];

console.error(`Starting the MCP server at ${DEV_AUDIENCE}`);
console.error(`Get a token with: npm run -s token -- --sub alice --scope "files:read files:write"`);
const child = spawn(wrangler, args, {
  cwd: PROJECT_ROOT,
  stdio: "inherit",
  // Offline by design: no telemetry, no request.cf lookup against Cloudflare.
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
