/**
 * Local development ports and the URLs that follow from them, shared by `npm run dev` and
 * `npm run token`. Pure (no I/O), so it is unit-tested (test/unit/dev-settings.test.ts).
 *
 * The Worker listens on `--port <n>` (or `PORT`, default 8787); the dev authorization server on
 * `--auth-port <n>` (or `AUTH_PORT`, default the Worker's port + 1). The issuer is that server's origin
 * and the audience the Worker's `/mcp`, so one setting moves both together.
 */
export const DEFAULT_PORT = 8787;

/** The MCP Inspector's web UI (its default port), allowed in dev so it can be pointed at the server. */
export const INSPECTOR_ORIGINS = ["http://localhost:6274", "http://127.0.0.1:6274"];

/** `a,b` → bare origins, or an error naming the setting (the Worker's own parser says the same). */
function parseOrigins(name, raw) {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((origin) => {
      let parsed;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (parsed?.origin !== origin) {
        throw new Error(
          `${name} entries must be bare origins like http://127.0.0.1:3000 (got ${JSON.stringify(origin)})`,
        );
      }
      return origin;
    });
}

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
 *
 * Browser origins: the Inspector's, plus `ALLOWED_ORIGINS` (comma-separated) from the environment or as
 * wrangler's `--var ALLOWED_ORIGINS:<list>`. Both servers get the one list (the Worker as its variable,
 * the authorization server for its CORS), so a browser client allowed by one is allowed by the other.
 */
export function resolveDevSettings(argv = process.argv.slice(2), env = process.env) {
  const rest = [];
  const found = {};
  const extraOrigins = env.ALLOWED_ORIGINS ? parseOrigins("ALLOWED_ORIGINS", env.ALLOWED_ORIGINS) : [];
  for (let i = 0; i < argv.length; i++) {
    // wrangler's own `--var NAME:value` (or `--var=NAME:value`) for ALLOWED_ORIGINS is taken here.
    const varValue = argv[i] === "--var" ? argv[i + 1] : argv[i].startsWith("--var=") ? argv[i].slice(6) : undefined;
    if (varValue?.startsWith("ALLOWED_ORIGINS:")) {
      extraOrigins.push(...parseOrigins("--var ALLOWED_ORIGINS", varValue.slice("ALLOWED_ORIGINS:".length)));
      if (argv[i] === "--var") i++;
      continue;
    }
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
    allowedOrigins: [...new Set([...INSPECTOR_ORIGINS, ...extraOrigins])],
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
