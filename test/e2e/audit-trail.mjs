/**
 * The audit trail end to end against `npm run dev` (`npm run test:dev-audit`, in .ci/run): a real MCP
 * SDK client session and 20 failed logins leave a trail in the state `wrangler dev --persist-to` keeps;
 * `npm run audit -- verify` passes, `query` answers "who touched this path", the loopback webhook gets
 * exactly one alert and the loopback sink the batches; one edited byte makes `verify` fail naming the
 * batch. Ports: Worker 8835, dev authorization server 8836, webhook 8837, sink 8838 (E2E_AUDIT_PORT
 * moves all four). Stops everything it started and exits non-zero on any failure.
 */
import { strict as assert } from "node:assert";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startReceiver } from "./webhook-receiver.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PORT = Number(process.env.E2E_AUDIT_PORT ?? 8835);
const [AUTH_PORT, HOOK_PORT, SINK_PORT] = [PORT + 1, PORT + 2, PORT + 3];
const BASE = `http://127.0.0.1:${PORT}`;
const STATE = mkdtempSync(join(tmpdir(), "r2mcp-audit-e2e-"));
const TENANT = `e2e-audit-${Date.now().toString(36)}`;
const log = (message) => console.error(`[audit-e2e] ${message}`);

function npm(args, options = {}) {
  return spawnSync("npm", ["run", "-s", ...args], { cwd: ROOT, encoding: "utf8", ...options });
}

async function until(what, check, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const hook = await startReceiver(HOOK_PORT);
const sink = await startReceiver(SINK_PORT);
const dev = spawn(
  "npm",
  [
    "run",
    "dev",
    "--",
    "--port",
    String(PORT),
    "--auth-port",
    String(AUTH_PORT),
    "--persist-to",
    STATE,
    "--var",
    `ALERT_WEBHOOK_URL:http://127.0.0.1:${HOOK_PORT}/hook`,
    "--var",
    `AUDIT_SINK_URL:http://127.0.0.1:${SINK_PORT}/ingest`,
    "--var",
    "AUDIT_SINK_TOKEN:e2e-sink-token",
  ],
  {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: undefined, AUTH_PORT: undefined },
  },
);
let output = "";
dev.stdout.on("data", (chunk) => (output += chunk));
dev.stderr.on("data", (chunk) => (output += chunk));

let failed = false;
try {
  await until(
    "the dev server",
    async () => (await fetch(`${BASE}/healthz`).catch(() => undefined))?.ok === true,
    90_000,
  );
  const token = npm([
    "token",
    "--",
    "--port",
    String(PORT),
    "--auth-port",
    String(AUTH_PORT),
    "--sub",
    TENANT,
    "--scope",
    "files:read files:write files:delete",
  ]).stdout.trim();
  assert.ok(token.split(".").length === 3, "npm run token printed a JWT");

  const client = new Client({ name: "audit-e2e", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  await client.callTool({ name: "write_file", arguments: { path: "payroll/nov.csv", content: "alice,100\n" } });
  await client.callTool({ name: "read_text_file", arguments: { path: "payroll/nov.csv" } });
  await client.callTool({
    name: "move_file",
    arguments: { source: "payroll/nov.csv", destination: "payroll/2026-11.csv" },
  });
  await client.callTool({ name: "delete_file", arguments: { path: "payroll/2026-11.csv" } });
  await client.close();
  log("session done");

  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${BASE}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.forged${i}`,
        "cf-connecting-ip": "198.51.100.77",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(response.status, 401);
  }
  await until("the alert", () => hook.posts.length >= 1);
  await until("the sink", () => sink.posts.length >= 1);
  await new Promise((resolve) => setTimeout(resolve, 6_000)); // a second alert would arrive by now
  assert.equal(hook.posts.length, 1, "one alert per detector and subject");
  const alert = JSON.parse(hook.posts[0].body);
  assert.match(alert.text, /20 failed authentications from 198\.51\.100\.77/);
  assert.equal(alert.finding.class_uid, 2004);
  assert.equal(sink.posts[0].headers.authorization, "Bearer e2e-sink-token");
  log(`alert received; sink received ${sink.posts.length} batches`);

  const verified = npm(["audit", "--", "verify", "--persist-to", STATE]);
  assert.equal(verified.status, 0, `verify passes:\n${verified.stdout}${verified.stderr}`);
  log(verified.stdout.trim());

  const query = npm(["audit", "--", "query", "--tenant", TENANT, "--path", "/payroll/**", "--persist-to", STATE]);
  const tools = query.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).unmapped.tool);
  assert.deepEqual(tools, ["write_file", "read_text_file", "move_file", "delete_file"], query.stderr);
  log("query answers who touched /payroll/**");

  const key = `batches/${new Date().toISOString().slice(0, 10).replaceAll("-", "/")}/000000000001.ndjson`;
  const file = join(STATE, "batch.ndjson");
  const wrangler = (args) =>
    spawnSync(join(ROOT, "node_modules", ".bin", "wrangler"), args, {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
  assert.equal(
    wrangler(["r2", "object", "get", `r2-files-mcp-audit/${key}`, "--local", "--persist-to", STATE, "--file", file])
      .status,
    0,
  );
  const text = readFileSync(file, "utf8");
  writeFileSync(file, text.replace("payroll/nov.csv", "payroll/nov.csx"));
  assert.equal(
    wrangler(["r2", "object", "put", `r2-files-mcp-audit/${key}`, "--local", "--persist-to", STATE, "--file", file])
      .status,
    0,
  );
  const tampered = npm(["audit", "--", "verify", "--persist-to", STATE]);
  assert.equal(tampered.status, 1, "verify fails after tampering");
  assert.match(tampered.stderr, new RegExp(`first bad batch: ${key}`));
  log(`tampering detected: ${tampered.stderr.split("\n").find((line) => line.includes("first bad batch"))}`);
} catch (error) {
  failed = true;
  console.error(error);
  console.error(output.slice(-4000));
} finally {
  stopGroup("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 1500));
  stopGroup("SIGKILL");
  hook.server.close();
  sink.server.close();
  rmSync(STATE, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

/** Signals the dev server's process group; a group that has already gone (ESRCH) is what we wanted. */
function stopGroup(signal) {
  try {
    process.kill(-dev.pid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}
