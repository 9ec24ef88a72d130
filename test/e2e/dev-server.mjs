/**
 * `npm run dev` as the end-to-end scripts start it: its own process group (so stopping it stops wrangler
 * and workerd too), its own local state directory, output kept for the failure report, and a wait until
 * both the Worker and the dev authorization server answer.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const STARTUP_TIMEOUT_MS = 90_000;

/**
 * @param {{ port: number, stateDir: string, env?: Record<string, string | undefined>, args?: string[] }} options
 *   `env` is added to this process's (PORT and AUTH_PORT are cleared, so `port` decides).
 */
export function startDevServer({ port, stateDir, env = {}, args = [] }) {
  const child = spawn("npm", ["run", "dev", "--", "--port", String(port), "--persist-to", stateDir, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: undefined, AUTH_PORT: undefined, ...env },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        process.kill(-child.pid, "SIGTERM");
        setTimeout(() => {
          if (child.exitCode === null) process.kill(-child.pid, "SIGKILL");
        }, 5_000).unref();
      }),
  };
}

/** Resolves once the Worker's /healthz and the issuer's metadata both answer 200. */
export async function waitUntilUp(server, workerOrigin, issuer) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`npm run dev exited early:\n${server.output()}`);
    try {
      const [worker, as] = await Promise.all([
        fetch(new URL("/healthz", workerOrigin)),
        fetch(`${issuer}/.well-known/oauth-authorization-server`),
      ]);
      if (worker.ok && as.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`npm run dev did not come up:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
