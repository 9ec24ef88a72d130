/**
 * Runs the official MCP conformance suite's server scenarios that apply to this server against
 * `npm run dev`, through the token-adding proxy, and exits non-zero if any scenario fails.
 *
 *   npm run conformance     (ports: CONFORMANCE_DEV_PORT, default 8787, the dev authorization server on
 *                            the next port, the proxy on CONFORMANCE_PROXY_PORT, default the one after)
 *
 * Scenarios: server-initialize, ping, tools-list (2025 era, through the suite's SDK client) and
 * dns-rebinding-protection (Host/Origin of a rebinding page must get 4xx; the real ones 2xx).
 * The dev server keeps its state in a throw-away folder.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { loadOrCreateDevKeys, resolveDevSettings } from "../../scripts/dev-keys.mjs";
import { startTokenProxy } from "./token-proxy.mjs";

const SCENARIOS = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];
// The Worker listens on the dev port, the dev authorization server on the next one (npm run dev's
// default), and the proxy — the address clients use — on the one after.
const devPort = Number(process.env.CONFORMANCE_DEV_PORT ?? 8787);
const proxyPort = Number(process.env.CONFORMANCE_PROXY_PORT ?? devPort + 2);
const publicOrigin = `http://127.0.0.1:${proxyPort}`;
const root = join(import.meta.dirname, "..", "..");
const node = join(root, "node_modules", "node", "bin", "node");
const conformance = join(root, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const devEnv = { ...process.env, PORT: String(devPort), DEV_PUBLIC_ORIGIN: publicOrigin };
const { audience, issuer } = resolveDevSettings([], devEnv);

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", ...options });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function waitForHealth(url, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`dev server did not become healthy at ${url}`);
}

const state = mkdtempSync(join(tmpdir(), "r2mcp-conformance-"));
const dev = spawn(process.execPath, [join(root, "scripts", "dev.mjs"), "--persist-to", state], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: devEnv,
});
const devExited = new Promise((resolve) => dev.once("exit", resolve));
let proxy;
let failed = [];
try {
  await waitForHealth(`http://127.0.0.1:${devPort}/healthz`, 60_000);
  const { kid, privateKey } = await loadOrCreateDevKeys();
  const token = await new SignJWT({ scope: "files:read files:write files:delete", client_id: "conformance" })
    .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject("conformance")
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(privateKey);
  proxy = await startTokenProxy({ port: proxyPort, upstream: `http://127.0.0.1:${devPort}`, token });
  for (const scenario of SCENARIOS) {
    console.log(`== conformance: ${scenario}`);
    const code = await run(node, [conformance, "server", "--url", `${publicOrigin}/mcp`, "--scenario", scenario]);
    if (code !== 0) failed.push(scenario);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  failed = failed.length > 0 ? failed : ["setup"];
} finally {
  proxy?.close();
  if (dev.exitCode === null && dev.signalCode === null) dev.kill("SIGTERM");
  await devExited;
  rmSync(state, { recursive: true, force: true });
}
if (failed.length > 0) {
  console.error(`conformance failed: ${failed.join(", ")}`);
  process.exit(1);
}
console.log(`conformance: ${SCENARIOS.length} scenarios passed`);
