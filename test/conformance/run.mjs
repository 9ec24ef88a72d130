/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned in package.json)
 * against `npm run dev`, through the token-adding proxy, and exits non-zero on any failure.
 *
 *   npm run conformance     (ports: CONFORMANCE_DEV_PORT, default 8787, the dev authorization server on
 *                            the next port, the proxy on CONFORMANCE_PROXY_PORT, default the one after)
 *   npm run conformance -- --scenario caching      (one scenario, both legs)
 *
 * Every server scenario the pinned release lists runs twice: once at the suite's default revision and
 * once with `--spec-version 2026-07-28` (a scenario that does not apply to a leg's revision is skipped by
 * the suite itself). The only scenarios left out are those in test/conformance/inapplicable.json, each
 * with the reason it cannot apply to this server (the suite's fixture tools, prompts, tasks, ...); a
 * listed name the release does not have fails the run, so the list cannot go stale silently. A scenario
 * added by a newer release runs by default.
 *
 * The dev server runs with its rate limits raised for the run (a full run sends far more than one
 * caller's default window allows) and keeps its state in a throw-away folder.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import { loadOrCreateDevKeys, resolveDevSettings } from "../../scripts/dev-keys.mjs";
import { startTokenProxy } from "./token-proxy.mjs";

const LEGS = [
  { name: "default revision", args: [] },
  { name: "2026-07-28", args: ["--spec-version", "2026-07-28"] },
];
// Enough for a full run of both legs many times over; the defaults (docs/limits.md) are a production
// caller's, and the limits themselves are tested in test/integration/limits.test.ts.
const RAISED_LIMITS = {
  RATE_LIMIT_IP_REQUESTS: "1000000",
  RATE_LIMIT_PRINCIPAL_UNITS: "1000000",
  QUOTA_DAILY_WRITES: "1000000",
  QUOTA_DAILY_DELETES: "1000000",
};

const { values: options } = parseArgs({ options: { scenario: { type: "string", multiple: true } } });

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

/**
 * The committed list: whole scenarios (not run) and single checks of scenarios that otherwise apply
 * (`scenario:check-id`, passed to the suite as an expected-failures baseline, so a listed check that
 * starts passing fails the run as stale). Each with its reason.
 */
const { scenarios: inapplicable, checks: inapplicableChecks } = JSON.parse(
  readFileSync(join(import.meta.dirname, "inapplicable.json"), "utf8"),
);

/** Every server scenario of the pinned release (`conformance list --server`: "  - name [revisions]"). */
function releaseScenarios() {
  const listed = spawnSync(node, [conformance, "list", "--server"], { encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`conformance list failed: ${listed.stderr}`);
  return [...listed.stdout.matchAll(/^\s+-\s+(\S+)/gm)].map((match) => match[1]);
}

function planScenarios() {
  const all = releaseScenarios();
  const checkScenarios = Object.keys(inapplicableChecks).map((entry) => entry.split(":")[0]);
  const unknown = [...Object.keys(inapplicable), ...checkScenarios].filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new Error(`test/conformance/inapplicable.json names scenarios this release lacks: ${unknown.join(", ")}`);
  }
  for (const [name, reason] of [...Object.entries(inapplicable), ...Object.entries(inapplicableChecks)]) {
    if (typeof reason !== "string" || reason.length < 10) throw new Error(`inapplicable.json: ${name} needs a reason`);
  }
  const wanted = options.scenario ?? all.filter((name) => !Object.hasOwn(inapplicable, name));
  const missing = wanted.filter((name) => !all.includes(name));
  if (missing.length > 0) throw new Error(`no such scenario in this release: ${missing.join(", ")}`);
  return wanted;
}

function run(command, args, runOptions = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit", ...runOptions });
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

const scenarios = planScenarios();
const state = mkdtempSync(join(tmpdir(), "r2mcp-conformance-"));
const results = join(state, "results");
// The suite's baseline format (YAML): per-check entries only, so every other check of those scenarios counts.
const baseline = join(state, "inapplicable-checks.yml");
writeFileSync(
  baseline,
  `server:\n${Object.keys(inapplicableChecks)
    .map((entry) => `  - ${entry}\n`)
    .join("")}`,
);
const limitArgs = Object.entries(RAISED_LIMITS).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
const dev = spawn(process.execPath, [join(root, "scripts", "dev.mjs"), "--persist-to", state, ...limitArgs], {
  cwd: root,
  stdio: ["ignore", "ignore", "inherit"],
  env: devEnv,
});
const devExited = new Promise((resolve) => dev.once("exit", resolve));
let proxy;
let failed = [];
let ran = 0;
try {
  await waitForHealth(`http://127.0.0.1:${devPort}/healthz`, 60_000);
  const { kid, privateKey } = await loadOrCreateDevKeys();
  const token = await new SignJWT({ scope: "files:read files:write files:delete", client_id: "conformance" })
    .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject("conformance")
    .setIssuedAt()
    .setExpirationTime("60m")
    .sign(privateKey);
  proxy = await startTokenProxy({ port: proxyPort, upstream: `http://127.0.0.1:${devPort}`, token });
  for (const leg of LEGS) {
    for (const scenario of scenarios) {
      console.log(`== conformance (${leg.name}): ${scenario}`);
      const args = [conformance, "server", "--url", `${publicOrigin}/mcp`, "--scenario", scenario, ...leg.args];
      const code = await run(node, [...args, "--output-dir", results, "--expected-failures", baseline]);
      ran += 1;
      if (code !== 0) failed.push(`${scenario} (${leg.name})`);
    }
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
console.log(
  `conformance: ${ran} scenario runs passed or skipped as not applicable to their revision ` +
    `(${scenarios.length} scenarios × ${LEGS.length} revisions; ` +
    `${Object.keys(inapplicable).length} scenarios and ${Object.keys(inapplicableChecks).length} checks inapplicable, ` +
    "see test/conformance/inapplicable.json)",
);
