/**
 * The newcomer's path, end to end, as a real MCP client walks it (`npm run test:dev-oauth`, in .ci/run):
 * starts `npm run dev -- --port 8813` (Worker on 8813, dev authorization server on 8814), then with the
 * MCP SDK v2 client (`@modelcontextprotocol/client`) and an OAuth client provider:
 *   401 → protected resource metadata → authorization server metadata → dynamic client registration →
 *   authorization code + PKCE with `resource` and `login_hint` → JWT access token → write and read a file
 *   → 403 insufficient_scope on delete → back to the authorization server for the wider scope → delete.
 * No token is minted by hand. Then the operator's path against the same running server: `npm run keys --
 * create` into its local state → a real MCP client with that key writes a file → `keys list` shows no
 * secret → `keys revoke` → the key is refused. Stops the servers and exits non-zero on any failure.
 */

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { decodeJwt } from "jose";
import { ROOT, startDevServer, waitUntilUp } from "./dev-server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8813);
const SERVER_URL = new URL(`http://127.0.0.1:${PORT}/mcp`);
const ISSUER = `http://127.0.0.1:${PORT + 1}`;
// Never listened on: the client reads the code from the authorization server's redirect.
const REDIRECT_URL = "http://127.0.0.1:8815/callback";
const SUBJECT = `e2e-${Date.now().toString(36)}`;

function log(message) {
  console.error(`[dev-oauth-flow] ${message}`);
}

// Its own local state (R2 objects, registered clients), so runs neither see nor leave anything in .wrangler/.
const STATE_DIR = mkdtempSync(join(tmpdir(), "dev-oauth-flow-"));

/** An in-memory OAuthClientProvider for a headless client: login_hint instead of a browser. */
function createHeadlessProvider() {
  const store = {
    client: undefined,
    tokens: undefined,
    verifier: undefined,
    discovery: undefined,
    callbacks: [],
    authorizations: [],
  };
  const provider = {
    get redirectUrl() {
      return REDIRECT_URL;
    },
    get clientMetadata() {
      return {
        client_name: "dev-oauth-flow check",
        redirect_uris: [REDIRECT_URL],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
    state: () => crypto.randomUUID(),
    clientInformation: () => store.client,
    saveClientInformation: (info) => {
      store.client = info;
    },
    tokens: () => store.tokens,
    saveTokens: (tokens) => {
      store.tokens = tokens;
    },
    codeVerifier: () => store.verifier,
    saveCodeVerifier: (verifier) => {
      store.verifier = verifier;
    },
    // Kept with the verifier so the callback leg is checked against the same authorization server.
    discoveryState: () => store.discovery,
    saveDiscoveryState: (state) => {
      store.discovery = state;
    },
    async redirectToAuthorization(url) {
      store.authorizations.push(new URL(url));
      url.searchParams.set("login_hint", SUBJECT);
      const response = await fetch(url, { redirect: "manual" });
      const location = response.headers.get("location");
      assert.equal(
        response.status,
        303,
        `authorization endpoint answered ${response.status}: ${await response.text()}`,
      );
      const back = new URL(location);
      assert.equal(back.origin + back.pathname, REDIRECT_URL);
      assert.equal(back.searchParams.get("state"), url.searchParams.get("state"), "state round-trips");
      assert.equal(back.searchParams.get("iss"), ISSUER, "RFC 9207 iss");
      assert.ok(back.searchParams.get("code"), `no code in the redirect: ${back.search}`);
      store.callbacks.push(back.searchParams);
    },
  };
  return { provider, store };
}

function textOf(result) {
  return result.content.map((part) => part.text ?? "").join("");
}

async function connect(provider) {
  const client = new Client({ name: "dev-oauth-flow", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(SERVER_URL, { authProvider: provider });
  await client.connect(transport);
  return { client, transport };
}

async function run() {
  const { provider, store } = createHeadlessProvider();

  // 1. Connecting without a token: 401 → the SDK's auth() discovers, registers and authorizes with the
  //    challenge's baseline scope (login_hint approves at once); the code is then exchanged.
  const firstTransport = new StreamableHTTPClientTransport(SERVER_URL, { authProvider: provider });
  await assert.rejects(
    new Client({ name: "dev-oauth-flow", version: "1.0.0" }).connect(firstTransport),
    UnauthorizedError,
  );
  const [first] = store.authorizations;
  assert.ok(first, "the 401 started an authorization request");
  assert.equal(first.origin, ISSUER, "the protected resource metadata points at the dev authorization server");
  assert.equal(first.searchParams.get("resource"), SERVER_URL.href, "RFC 8707 resource indicator");
  assert.equal(first.searchParams.get("code_challenge_method"), "S256");
  assert.equal(first.searchParams.get("scope"), "files:read files:write", "the 401 challenge's scope");
  assert.ok(store.client?.client_id, "dynamic client registration gave a client_id");
  // The whole callback query: the SDK checks `iss` (RFC 9207) as well as using the code.
  await firstTransport.finishAuth(store.callbacks.at(-1));
  const claims = decodeJwt(store.tokens.access_token);
  assert.equal(claims.aud, SERVER_URL.href);
  assert.equal(claims.iss, ISSUER);
  assert.equal(claims.sub, SUBJECT);
  assert.equal(claims.scope, "files:read files:write");
  assert.equal(typeof claims.auth_time, "number");
  log(`authorized as ${SUBJECT} with "${claims.scope}"`);

  // 2. Write and read a file with that token.
  const { client } = await connect(provider);
  const written = await client.callTool({ name: "write_file", arguments: { path: "e2e/hello.md", content: "hello" } });
  assert.ok(!written.isError, textOf(written));
  const read = await client.callTool({ name: "read_text_file", arguments: { path: "e2e/hello.md" } });
  assert.equal(textOf(read), "hello");
  log("wrote and read e2e/hello.md");

  // 3. Step-up: delete needs files:delete; the 403 sends the client back to the authorization server.
  let redirected = false;
  try {
    await client.callTool({ name: "delete_file", arguments: { path: "e2e/hello.md" } });
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    redirected = true;
  }
  assert.ok(redirected, "the 403 insufficient_scope led to a new authorization request");
  const stepUp = store.authorizations.at(-1);
  assert.equal(stepUp.searchParams.get("scope"), "files:read files:write files:delete", "held scopes + needed");
  const callback = store.callbacks.at(-1);
  const exchanged = await auth(provider, {
    serverUrl: SERVER_URL,
    authorizationCode: callback.get("code"),
    iss: callback.get("iss"),
  });
  assert.equal(exchanged, "AUTHORIZED");
  assert.equal(decodeJwt(store.tokens.access_token).scope, "files:read files:write files:delete");
  await client.close();

  const again = await connect(provider);
  const deleted = await again.client.callTool({ name: "delete_file", arguments: { path: "e2e/hello.md" } });
  assert.ok(!deleted.isError, textOf(deleted));
  const gone = await again.client.callTool({ name: "read_text_file", arguments: { path: "e2e/hello.md" } });
  assert.ok(gone.isError, "the file is gone after the stepped-up delete");
  const stillReads = await again.client.callTool({ name: "list_directory", arguments: { path: "/" } });
  assert.ok(!stillReads.isError, "the stepped-up token kept files:read");
  await again.client.close();
  log("stepped up to files:delete and deleted the file");

  await apiKeyLifecycle();
}

/** `npm run -s keys -- …` against the running dev server's state; stdout is the answer, stderr passes through. */
function keys(...args) {
  const result = spawnSync("npm", ["run", "-s", "keys", "--", ...args, "--persist-to", STATE_DIR], {
    cwd: ROOT,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `keys ${args[0]} failed: ${result.stderr}`);
  return result.stdout.trim();
}

async function withKey(key) {
  const client = new Client({ name: "dev-api-key", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(SERVER_URL, {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

// 4. The operator's path: a key created by the operator command is accepted by the dev server at once.
async function apiKeyLifecycle() {
  const key = keys("create", "--sub", "e2e-ci", "--scope", "files:read files:write", "--label", "e2e");
  assert.match(key, /^r2mcp_[A-Za-z0-9]{16}_[A-Za-z0-9]{32,}$/, "stdout carries the key alone");
  const keyId = key.split("_")[1];
  const client = await withKey(key);
  const written = await client.callTool({ name: "write_file", arguments: { path: "ci/build.txt", content: "42" } });
  assert.ok(!written.isError, textOf(written));
  const read = await client.callTool({ name: "read_text_file", arguments: { path: "ci/build.txt" } });
  assert.equal(textOf(read), "42");
  await client.close();
  const listing = keys("list");
  assert.ok(listing.includes(keyId), "keys list shows the key id");
  assert.ok(!listing.includes(key.split("_")[2]), "keys list never prints the secret");
  keys("revoke", keyId);
  await assert.rejects(withKey(key), "a revoked key is refused");
  log("API key: created with npm run keys, used by an MCP client, listed without its secret, revoked");
}

const server = startDevServer({ port: PORT, stateDir: STATE_DIR });
let failed = false;
try {
  const started = Date.now();
  await waitUntilUp(server, SERVER_URL.origin, ISSUER);
  log(`npm run dev up in ${Date.now() - started} ms`);
  const flowStarted = Date.now();
  await run();
  log(`OK: the whole flow in ${Date.now() - flowStarted} ms`);
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`--- npm run dev output ---\n${server.output()}`);
} finally {
  await server.stop();
  rmSync(STATE_DIR, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
