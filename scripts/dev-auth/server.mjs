/**
 * `startDevAuthServer`: the dev authorization server on loopback (see provider.mjs for what it speaks).
 *
 * Routes: /interaction/:uid is the sign-in page (login.mjs); everything else is oidc-provider. One
 * addition for scripts: an authorization request with `login_hint` is answered with the final redirect
 * to the client (code and state) in one response. The provider binds an authorization request to the
 * browser with cookies across its redirects; a script's fetch has no cookie jar, so this server follows
 * those redirects itself with a jar of its own and hands back only where they end.
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

function jsonError(status, error, description) {
  return { status, type: "application/json", body: JSON.stringify({ error, error_description: description }) };
}

/**
 * @param {{ host?: string, port: number, resource: string, privateJwk: Record<string, unknown>,
 *   clientsFile?: string }} options  `port: 0` picks a free port (tests); `clientsFile` keeps registered
 *   clients across restarts (memory only without it).
 * @returns {Promise<{ issuer: string, close(): Promise<void> }>}
 */
export async function startDevAuthServer({ host = "127.0.0.1", port, resource, privateJwk, clientsFile }) {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const issuer = `http://${host}:${server.address().port}`;
  const grants = new Map();
  const provider = createDevProvider({ issuer, resource, privateJwk, grants, clientsFile });
  const handleInteraction = createLoginHandler(provider, { resource, grants });
  const callback = provider.callback();
  // Marks this server's own requests so the login_hint shortcut does not recurse.
  const internalHeader = { name: "x-dev-auth-internal", value: randomBytes(16).toString("hex") };

  server.on("request", async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", issuer);
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
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "server_error" }));
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
