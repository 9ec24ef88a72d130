/**
 * Starts and stops `wrangler dev` for the benchmark: offline (no telemetry, no request.cf lookups),
 * loopback only, `--inspector-port 0` unless one is asked for, local state in a throwaway directory so
 * a run never touches `.wrangler/state`. Output is drained into a bounded tail (an undrained pipe would stall the server)
 * and shown only when the server fails to start.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * @param {{ root: string, cwd?: string, name: string, port: number, config?: string, vars?: Record<string,string>,
 *   inspectorPort?: number }} options
 *   root: where wrangler is installed; cwd: the project to run (default root); inspectorPort: 0 picks a free one
 * @returns {Promise<{ name: string, port: number, pid: number, tail(): string, stop(): Promise<void> }>}
 */
export async function startWranglerDev({ root, cwd = root, name, port, config, vars = {}, inspectorPort = 0 }) {
  const state = await mkdtemp(join(tmpdir(), `bench-${name}-`));
  const args = [
    "dev",
    ...(config ? ["--config", config] : []),
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    state,
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const child = spawn(join(root, "node_modules", ".bin", "wrangler"), args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" },
  });
  let log = "";
  let lines = 0;
  const keep = (chunk) => {
    const text = chunk.toString("utf8");
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
    log = (log + text).slice(-6_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  // SIGTERM, not SIGKILL: wrangler then stops its workerd child too.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);

  const server = {
    name,
    port,
    pid: child.pid,
    tail: () => log,
    /** Lines wrangler printed so far (the Worker's console output included). */
    outputLines: () => lines,
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(state, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await server.stop();
      throw new Error(`${name}: wrangler dev exited during startup:\n${log}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status < 500) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name}: not ready on port ${port} within ${READY_TIMEOUT_MS} ms:\n${log}`);
    }
    await sleep(200);
  }
}
