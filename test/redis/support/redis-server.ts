/**
 * Spawns a throwaway `redis-server` for the Redis test tier (vitest.redis.config.ts).
 *
 * Why a real server instead of a mock: the rate limiter's correctness lives in Lua scripts that
 * run inside Redis, so only a real Redis proves them. Each run gets its own process on a free
 * loopback port with persistence off and a private temp dir, so runs never share state or touch
 * a system-wide Redis.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "redis-server was not found on PATH. Install it with `apt-get install -y redis-server` " +
  "(or run .ci/install-redis.sh, which does that idempotently).";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
// Picking a free port and binding it later is racy; a few attempts make a collision harmless.
const PORT_ATTEMPTS = 3;

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), "redis-test-"));
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    try {
      return await launch(await freePort(), dir);
    } catch (error) {
      lastError = error;
      if (error instanceof Error && error.message === INSTALL_HINT) break;
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function launch(port: number, dir: string): Promise<RedisServer> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Keep only the tail of the server's log: it is the useful part when startup fails.
  let log = "";
  const keepLog = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout.on("data", keepLog);
  child.stderr.on("data", keepLog);

  const exited = new Promise<Error>((resolve) => {
    child.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ENOENT" ? new Error(INSTALL_HINT) : error),
    );
    child.once("exit", (code, signal) =>
      resolve(new Error(`redis-server exited early (code ${code}, signal ${signal}):\n${log}`)),
    );
  });
  // Safety net: never leave an orphan server behind if the test process dies without teardown.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exit = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exit;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const giveUp = new AbortController();
  const outcome = await Promise.race([
    waitForPing(port, giveUp.signal).then(
      () => null,
      (error: unknown) => error,
    ),
    exited,
  ]);
  giveUp.abort(); // stop polling when the process died first
  if (outcome !== null) {
    await stop();
    throw outcome;
  }
  return { port, stop };
}

/** Polls PING until the server answers; bounded so a broken install fails fast, not at timeout. */
async function waitForPing(port: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!signal.aborted) {
    const client = new Redis({
      host: "127.0.0.1",
      port,
      protocol: 2,
      lazyConnect: true,
      connectTimeout: 500,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on("error", () => {}); // connection refusals are expected while the server boots
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") return;
    } catch {
      // not ready yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > deadline) {
      throw new Error(`redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms`);
    }
    await sleep(50);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("could not allocate a port");
  return address.port;
}
