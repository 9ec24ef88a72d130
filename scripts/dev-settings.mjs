/**
 * Local development ports and the URLs that follow from them, shared by `npm run dev` and
 * `npm run token`. Pure (no I/O), so it is unit-tested (test/unit/dev-settings.test.ts).
 *
 * The Worker listens on `--port <n>` (or `PORT`, default 8787); the dev authorization server on
 * `--auth-port <n>` (or `AUTH_PORT`, default the Worker's port + 1). The issuer is that server's origin
 * and the audience the Worker's `/mcp`, so one setting moves both together.
 */
export const DEFAULT_PORT = 8787;

function parsePort(name, raw) {
  const port = Number(raw);
  if (!/^\d+$/.test(String(raw)) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number between 1 and 65535 (got ${JSON.stringify(String(raw))})`);
  }
  return port;
}

/**
 * Takes `--port`/`--auth-port` (as `--port 8799` or `--port=8799`) out of `argv`, falling back to the
 * PORT / AUTH_PORT variables. Returns the URLs that follow from them and the arguments left over (for
 * wrangler), so `npm run dev -- --port 8799` never reaches wrangler twice.
 */
export function resolveDevSettings(argv = process.argv.slice(2), env = process.env) {
  const rest = [];
  const found = {};
  for (let i = 0; i < argv.length; i++) {
    const match = /^--(port|auth-port)(?:=(.*))?$/.exec(argv[i]);
    if (!match) {
      rest.push(argv[i]);
      continue;
    }
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${match[1]} needs a value`);
    found[match[1]] = value;
  }
  const port = parsePort("--port / PORT", found.port ?? env.PORT ?? DEFAULT_PORT);
  const authPort = parsePort("--auth-port / AUTH_PORT", found["auth-port"] ?? env.AUTH_PORT ?? port + 1);
  if (authPort === port) throw new Error("--auth-port must differ from --port");
  // The origin clients use. It differs from the listening address only when a local proxy fronts the
  // Worker (test/conformance/): the server's own origin and token audience follow the public address.
  const origin = env.DEV_PUBLIC_ORIGIN ? new URL(env.DEV_PUBLIC_ORIGIN).origin : `http://127.0.0.1:${port}`;
  return {
    port,
    authPort,
    origin,
    audience: `${origin}/mcp`,
    issuer: `http://127.0.0.1:${authPort}`,
    rest,
  };
}

/** The `--persist-to <dir>` given for wrangler (either form), if any: local state then lives there. */
export function persistDirOf(args) {
  for (let i = 0; i < args.length; i++) {
    const match = /^--persist-to(?:=(.*))?$/.exec(args[i]);
    if (match) return match[1] ?? args[i + 1];
  }
  return undefined;
}
