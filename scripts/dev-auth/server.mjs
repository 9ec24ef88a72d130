/**
 * `startDevAuthServer`: the dev authorization server on loopback (see provider.mjs for what it speaks).
 *
 * Routes: /interaction/:uid is the sign-in page (login.mjs); everything else is oidc-provider. One
 * addition for scripts: an authorization request with `login_hint` is answered with the final redirect
 * to the client (code and state) in one response. The provider binds an authorization request to the
 * browser with cookies across its redirects; a script's fetch has no cookie jar, so this server follows
 * those redirects itself with a jar of its own and hands back only where they end.
 *
 * CORS: the endpoints a browser client calls with fetch (metadata, keys, registration, token) allow the
 * same origins as the Worker (`allowedOrigins`, from `npm run dev`'s ALLOWED_ORIGINS), preflights
 * included; a request from any other Origin gets 403 there. The sign-in page and /auth are top-level
 * navigations, not CORS.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { createLoginHandler, SUBJECT } from "./login.mjs";
import { createDevProvider } from "./provider.mjs";

const MAX_HOPS = 8;

/** Follows the provider's own redirects for a login_hint request; returns the client's redirect URL. */
async function approveWithoutCookies(issuer, url, internalHeader) {
  const jar = new Map();
  let next = new URL(url.pathname + url.search, issuer);
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const response = await fetch(next, {
      redirect: "manual",
      headers: {
        [internalHeader.name]: internalHeader.value,
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join("; "),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    const location = response.headers.get("location");
    if (location === null) {
      return { status: response.status, type: response.headers.get("content-type"), body: await response.text() };
    }
    next = new URL(location, next);
    if (next.origin !== new URL(issuer).origin) return { location: next.href };
  }
  return jsonError(508, "server_error", "too many redirects");
}

/** Endpoints a browser client calls cross-origin (fetch, not navigation). */
const CORS_PATH = /^\/(?:\.well-known\/[\w./-]+|jwks|reg(?:\/[\w-]+)?|token)$/;
/** What SDK clients send on those calls: MCP-Protocol-Version even on metadata requests. */
const CORS_REQUEST_HEADERS = "Authorization, Content-Type, Accept, DPoP, MCP-Protocol-Version";
/** Non-safelisted answer headers a browser client needs: challenges and DPoP nonces. */
const CORS_EXPOSED_HEADERS = "WWW-Authenticate, DPoP-Nonce";

/**
 * Answers or decorates a CORS request on a browser-facing endpoint. Returns true when the answer was
 * sent here (a preflight, or a 403 for an origin not on the list); otherwise the provider answers and
 * its response gets this origin's headers (set last, over the provider's own, which would allow any
 * origin on metadata).
 */
function handleCors(req, res, pathname, allowedOrigins) {
  const origin = req.headers.origin;
  if (origin === undefined || !CORS_PATH.test(pathname)) return false;
  if (!allowedOrigins.has(origin)) {
    res.writeHead(403, { "content-type": "application/json", "cache-control": "no-store", vary: "Origin" });
    res.end(
      JSON.stringify({
        error: "origin_not_allowed",
        error_description: `This Origin is not allowed; npm run dev allows ALLOWED_ORIGINS (now: ${[...allowedOrigins].join(", ")})`,
      }),
    );
    return true;
  }
  const headers = {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS,
    vary: "Origin",
  };
  if (req.method === "OPTIONS") {
    const reads = pathname.startsWith("/.well-known/") || pathname === "/jwks";
    res.writeHead(204, {
      ...headers,
      "access-control-allow-methods": reads ? "GET, OPTIONS" : "GET, POST, OPTIONS",
      "access-control-allow-headers": CORS_REQUEST_HEADERS,
      "access-control-max-age": "600",
    });
    res.end();
    return true;
  }
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadWithCors(...args) {
    for (const [name, value] of Object.entries(headers)) this.setHeader(name, value);
    return writeHead.apply(this, args);
  };
  return false;
}

function jsonError(status, error, description) {
  return { status, type: "application/json", body: JSON.stringify({ error, error_description: description }) };
}

/**
 * @param {{ host?: string, port: number, resource: string, privateJwk: Record<string, unknown>,
 *   clientsFile?: string, allowedOrigins?: string[] }} options  `port: 0` picks a free port (tests);
 *   `clientsFile` keeps registered clients across restarts (memory only without it); `allowedOrigins` are
 *   the browser origins its CORS endpoints answer (none without it).
 * @returns {Promise<{ issuer: string, close(): Promise<void> }>}
 */
export async function startDevAuthServer({
  host = "127.0.0.1",
  port,
  resource,
  privateJwk,
  clientsFile,
  allowedOrigins = [],
}) {
  const origins = new Set(allowedOrigins);
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const issuer = `http://${host}:${server.address().port}`;
  const grants = new Map();
  const provider = createDevProvider({ issuer, resource, privateJwk, grants, clientsFile, allowedOrigins: origins });
  const handleInteraction = createLoginHandler(provider, { resource, grants });
  const callback = provider.callback();
  // Marks this server's own requests so the login_hint shortcut does not recurse.
  const internalHeader = { name: "x-dev-auth-internal", value: randomBytes(16).toString("hex") };

  server.on("request", async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", issuer);
      if (handleCors(req, res, url.pathname, origins)) return;
      const interaction = /^\/interaction\/([\w-]+)$/.exec(url.pathname);
      if (interaction && (req.method === "GET" || req.method === "POST")) {
        await handleInteraction(req, res, interaction[1]);
        return;
      }
      const internal = req.headers[internalHeader.name] === internalHeader.value;
      if (req.method === "GET" && url.pathname === "/auth" && url.searchParams.has("login_hint") && !internal) {
        const outcome = SUBJECT.test(url.searchParams.get("login_hint") ?? "")
          ? await approveWithoutCookies(issuer, url, internalHeader)
          : jsonError(400, "invalid_request", "login_hint must be a subject: 1-128 letters, digits or . _ @ : + -");
        if (outcome.location) {
          res.writeHead(303, { location: outcome.location, "cache-control": "no-store" });
          res.end();
        } else {
          res.writeHead(outcome.status, {
            "content-type": outcome.type ?? "application/octet-stream",
            "cache-control": "no-store",
          });
          res.end(outcome.body);
        }
        return;
      }
      callback(req, res);
    } catch (error) {
      console.error(`dev authorization server: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(
        JSON.stringify({
          error: "server_error",
          error_description: "The dev authorization server failed; its terminal (npm run dev) shows why",
        }),
      );
    }
  });

  return {
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
