/**
 * Local emulation of the Upstash Redis REST API, backed by a real redis-server.
 *
 * Why: @upstash/redis and @upstash/ratelimit only speak Upstash's HTTP protocol, and tests must not
 * depend on a cloud database. This implements the part of the protocol those clients use, as read
 * from node_modules/@upstash/redis/chunk-*.mjs (HttpClient, Pipeline, AutoPipelineExecutor) and
 * node_modules/@upstash/ratelimit/dist/index.mjs (safeEval, Lua scripts):
 *
 *   POST /            one command as a JSON array   → 200 {"result": …} | 400 {"error": "…"}
 *   POST /pipeline    an array of commands           → 200 [{"result": …} | {"error": "…"}, …]
 *   POST /multi-exec  the same inside one MULTI/EXEC → 200 [...] | 400 {"error": "EXECABORT …"}
 *
 * Every route needs `Authorization: Bearer <token>` (401 otherwise). With `Upstash-Encoding: base64`
 * (the client's default) every string in a result is base64 of the raw bytes, recursively in arrays;
 * integers and nil stay as they are; errors are never encoded. Results keep RESP2 shapes.
 *
 * Fault injection for resilience tests: pause() answers 503 at once, hang() accepts and never
 * answers, resume() restores service. Tests inside workerd cannot call those functions, so the same
 * controls are served over HTTP under /__control (see handleControl), with the same token.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { text } from "node:stream/consumers";
import { Command, Redis } from "ioredis";

export interface UpstashBridgeOptions {
  redisPort: number;
  token: string;
  /**
   * Sees the commands of every authorized Upstash request before they run (one list per HTTP request,
   * a single command as a list of one): lets the benchmark tell the request path's round trip from
   * deferred settlement and the audit consumer's detector calls.
   */
  onRequest?: (commands: readonly Argv[]) => void;
}

export interface UpstashBridge {
  /** Base URL to pass to `new Redis({ url, token })`. */
  url: string;
  token: string;
  /** `${url}/__control`: the HTTP twin of the methods below, for tests running in workerd. */
  controlUrl: string;
  stop(): Promise<void>;
  /** Simulates Upstash being down: every request gets an immediate 503. */
  pause(): void;
  /** Simulates a stalled Upstash: requests are accepted and never answered (until resume/stop). */
  hang(): void;
  /** Back to normal; requests held by hang() are released with a 503 so no client waits forever. */
  resume(): void;
  /** HTTP requests received on the Upstash routes (control requests excluded). */
  requestCount(): number;
  resetCount(): void;
}

export type Argv = [string, ...string[]];
/** A reply as RESP2 delivered it: strings stay Buffers so arbitrary bytes survive. */
type Reply = Buffer | number | null | Error | Reply[];
type Outcome = { result: unknown } | { error: string };
type Mode = "up" | "paused" | "hanging";

const CONTROL_PREFIX = "/__control";

/**
 * ioredis applies per-command reply transformers (HGETALL → object, ZRANGE WITHSCORES pairs, …)
 * even to generic `call`s. Upstash returns raw RESP shapes, so commands opt out here.
 */
class RawCommand extends Command {
  override transformReply(result: Buffer | Buffer[]): Buffer | Buffer[] {
    return result;
  }
}

/** Malformed requests: answered 400 as a whole, unlike Redis errors in a pipeline. */
class BadRequest extends Error {}

/**
 * Commands that change the state of a connection. Single and pipelined commands share one
 * connection, so these would leak into every other request; real Upstash rejects them too.
 */
const CONNECTION_STATE_COMMANDS = new Set([
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "select",
  "auth",
  "hello",
  "reset",
  "quit",
  "monitor",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
]);

/**
 * @upstash/ratelimit >= 2.1 starts every script with `#!lua flags=allow-key-locking`, an Upstash-only
 * flag Redis 7.0 rejects ("Unexpected flag in script shebang"), and calls EVALSHA with hard-coded
 * SHA1s of that ORIGINAL text. So scripts are rewritten before Redis sees them and digests of
 * originals are mapped to digests of rewrites. Unknown digests pass through untouched: Redis then
 * answers NOSCRIPT itself, which is what makes the client fall back to EVAL.
 */
class ScriptRewriter {
  readonly #redisSha = new Map<string, string>();

  /** Returns the text Redis should run and remembers original digest → rewritten digest. */
  register(original: string): { script: string; originalSha: string } {
    const script = stripUpstashFlags(original);
    const originalSha = sha1(original);
    this.#redisSha.set(originalSha, sha1(script));
    return { script, originalSha };
  }

  translate(sha: string): string {
    return this.#redisSha.get(sha.toLowerCase()) ?? sha;
  }

  clear(): void {
    this.#redisSha.clear();
  }

  /** Rewrites script-bearing commands; `finish` post-processes the reply where needed. */
  prepare(argv: Argv): { argv: Argv; finish?: (reply: Reply) => Reply } {
    const [name, first, ...rest] = argv;
    const command = name.toLowerCase();
    if (first === undefined) return { argv };
    if (command === "eval" || command === "eval_ro") {
      return { argv: [name, this.register(first).script, ...rest] };
    }
    if (command === "evalsha" || command === "evalsha_ro") {
      return { argv: [name, this.translate(first), ...rest] };
    }
    const sub = first.toLowerCase();
    if (command === "script" && sub === "load" && rest[0] !== undefined) {
      const { script, originalSha } = this.register(rest[0]);
      // Upstash answers with the digest of the text it was given, which callers then EVALSHA.
      const finish = (reply: Reply) => (Buffer.isBuffer(reply) ? Buffer.from(originalSha) : reply);
      return { argv: [name, first, script], finish };
    }
    if (command === "script" && sub === "exists") {
      return { argv: [name, first, ...rest.map((sha) => this.translate(sha))] };
    }
    return { argv };
  }
}

function stripUpstashFlags(script: string): string {
  const shebang = /^#!lua[^\n]*/.exec(script)?.[0];
  if (shebang === undefined) return script;
  const kept = shebang.replace(/\s+flags=(\S*)/, (_match, list: string) => {
    const flags = list.split(",").filter((flag) => flag !== "" && flag !== "allow-key-locking");
    return flags.length > 0 ? ` flags=${flags.join(",")}` : "";
  });
  return kept + script.slice(shebang.length);
}

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function send(connection: Redis, [name, ...args]: Argv): Promise<Reply> {
  return connection.sendCommand(new RawCommand(name, args)) as Promise<Reply>;
}

/** RESP2 reply → Upstash JSON. Nested errors (EXEC/Lua tables) have no JSON shape: sent as text. */
function toJson(reply: Reply, base64: boolean): unknown {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => toJson(item, base64));
  const bytes = reply instanceof Error ? Buffer.from(reply.message) : reply;
  return base64 ? bytes.toString("base64") : bytes.toString("utf8");
}

/** Upstash accepts JSON numbers/booleans as arguments; Redis only takes strings. */
function toArgv(value: unknown): Argv {
  if (!Array.isArray(value) || typeof value[0] !== "string") {
    throw new BadRequest("ERR a command must be a JSON array starting with the command name");
  }
  const argv = value.map((arg: unknown) => (typeof arg === "string" ? arg : JSON.stringify(arg)));
  return argv as Argv;
}

function toCommandList(value: unknown): Argv[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BadRequest("ERR a pipeline must be a non-empty JSON array of commands");
  }
  return value.map(toArgv);
}

function isAuthorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? "");
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

export async function startUpstashBridge({
  redisPort,
  token,
  onRequest,
}: UpstashBridgeOptions): Promise<UpstashBridge> {
  // RESP2 on purpose: ioredis 6 defaults to RESP3, whose maps/doubles/booleans are not what the
  // Upstash REST API returns.
  const redis = new Redis({ host: "127.0.0.1", port: redisPort, protocol: 2 });
  // Failures surface as rejected commands (and thus error responses); the event would only log.
  redis.on("error", () => {});
  await redis.ping(); // fail at startup rather than on the first test request

  const scripts = new ScriptRewriter();
  const held = new Set<ServerResponse>();
  let mode: Mode = "up";
  let count = 0;
  /** The commands of every request since the last reset-count, in arrival order (GET requests). */
  let log: (readonly Argv[])[] = [];

  const setMode = (next: Mode) => {
    mode = next;
    if (next === "hanging") return;
    // Settle held requests with an HTTP error rather than a dropped socket: the client retries
    // dropped connections (5 times by default) and those late retries would pollute later tests.
    for (const res of held) sendJson(res, 503, { error: "Service Unavailable (released after hang)" });
    held.clear();
  };

  async function run(connection: Redis, argv: Argv, base64: boolean): Promise<Outcome> {
    try {
      if (CONNECTION_STATE_COMMANDS.has(argv[0].toLowerCase())) {
        return { error: `ERR command '${argv[0]}' is not allowed by the Upstash bridge` };
      }
      const { argv: prepared, finish } = scripts.prepare(argv);
      const reply = await send(connection, prepared);
      return { result: toJson(finish ? finish(reply) : reply, base64) };
    } catch (error) {
      return { error: messageOf(error) };
    }
  }

  async function multiExec(commands: Argv[], base64: boolean): Promise<Outcome[] | { error: string }> {
    const forbidden = commands.find(([name]) => CONNECTION_STATE_COMMANDS.has(name.toLowerCase()));
    if (forbidden) return { error: `ERR command '${forbidden[0]}' is not allowed inside multi-exec` };
    // MULTI state belongs to a connection: on the shared one, commands of concurrent requests
    // would land inside this transaction. A dedicated connection per transaction avoids that.
    const connection = redis.duplicate();
    connection.on("error", () => {});
    try {
      await send(connection, ["multi"]);
      const prepared = commands.map((argv) => scripts.prepare(argv));
      // Errors at queueing time (wrong arity, unknown command) make EXEC abort; keep them for the
      // message. Handlers are attached immediately so nothing is left unhandled.
      const queued = prepared.map(({ argv }) => send(connection, argv).then(() => null, messageOf));
      let replies: Reply;
      try {
        replies = await send(connection, ["exec"]);
      } catch (error) {
        const causes = (await Promise.all(queued)).filter((cause) => cause !== null);
        return { error: [messageOf(error), ...causes].join(": ") };
      }
      if (!Array.isArray(replies)) return { error: "ERR transaction aborted" };
      return replies.map((reply, i): Outcome => {
        if (reply instanceof Error) return { error: reply.message };
        const finish = prepared[i]?.finish;
        return { result: toJson(finish ? finish(reply) : reply, base64) };
      });
    } finally {
      connection.disconnect();
    }
  }

  async function handleUpstash(req: IncomingMessage, res: ServerResponse, path: string) {
    count += 1;
    if (mode === "paused") {
      return sendJson(res, 503, { error: "Service Unavailable (upstash bridge paused)" });
    }
    if (mode === "hanging") {
      held.add(res);
      res.once("close", () => held.delete(res));
      return;
    }
    if (!isAuthorized(req, token)) return sendJson(res, 401, { error: "Unauthorized" });
    if (req.method !== "POST") return sendJson(res, 405, { error: "ERR only POST is supported" });
    if (path !== "/" && path !== "/pipeline" && path !== "/multi-exec") {
      return sendJson(res, 404, { error: `ERR unknown endpoint ${path}` });
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    try {
      let body: unknown;
      try {
        body = JSON.parse(await text(req));
      } catch {
        throw new BadRequest("ERR request body is not valid JSON");
      }
      if (path === "/") {
        const argv = toArgv(body);
        log.push([argv]);
        onRequest?.([argv]);
        const outcome = await run(redis, argv, base64);
        return sendJson(res, "error" in outcome ? 400 : 200, outcome);
      }
      const commands = toCommandList(body);
      log.push(commands);
      onRequest?.(commands);
      if (path === "/pipeline") {
        return sendJson(res, 200, await Promise.all(commands.map((argv) => run(redis, argv, base64))));
      }
      const outcome = await multiExec(commands, base64);
      return sendJson(res, Array.isArray(outcome) ? 200 : 400, outcome);
    } catch (error) {
      if (error instanceof BadRequest) return sendJson(res, 400, { error: error.message });
      throw error;
    }
  }

  /**
   * POST pause | hang | resume | reset-count | flushall | script-flush, GET count; all answer
   * {"mode", "count"}; GET requests also answers "requests": each request's commands since the last
   * reset-count (what a test classifies as request path or settlement, bench/lib/upstash-classes.mjs). script-flush empties Redis' script cache and the digest map, so the next
   * EVALSHA gets NOSCRIPT again (the "fresh bridge" fallback path). Same bearer token as Upstash.
   */
  async function handleControl(req: IncomingMessage, res: ServerResponse, action: string) {
    if (!isAuthorized(req, token)) return sendJson(res, 401, { error: "Unauthorized" });
    switch (`${req.method} ${action}`) {
      case "POST pause":
        setMode("paused");
        break;
      case "POST hang":
        setMode("hanging");
        break;
      case "POST resume":
        setMode("up");
        break;
      case "POST reset-count":
        count = 0;
        log = [];
        break;
      case "POST flushall":
        await send(redis, ["flushall"]);
        break;
      case "POST script-flush":
        await send(redis, ["script", "flush"]);
        scripts.clear();
        break;
      case "GET count":
        break;
      case "GET requests":
        return sendJson(res, 200, { mode, count, requests: log });
      default:
        return sendJson(res, 404, { error: `unknown control action ${req.method} ${action}` });
    }
    return sendJson(res, 200, { mode, count });
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://bridge.invalid").pathname;
    const handled = path.startsWith(`${CONTROL_PREFIX}/`)
      ? handleControl(req, res, path.slice(CONTROL_PREFIX.length + 1))
      : handleUpstash(req, res, path);
    handled.catch((error: unknown) => sendJson(res, 500, { error: messageOf(error) }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopped = false;
  return {
    url,
    token,
    controlUrl: `${url}${CONTROL_PREFIX}`,
    pause: () => setMode("paused"),
    hang: () => setMode("hanging"),
    resume: () => setMode("up"),
    requestCount: () => count,
    resetCount: () => {
      count = 0;
      log = [];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      setMode("up");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      await closed;
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
