/**
 * A browser-only MCP OAuth client, served from its own origin by test/browser/sign-in.mjs: everything an
 * SDK client does from a web page, with fetch, so every step is a real cross-origin request that CORS
 * must allow (the Worker's and the dev authorization server's):
 *   401 from /mcp → WWW-Authenticate (an exposed header) → protected resource metadata and authorization
 *   server metadata, both fetched with MCP-Protocol-Version (preflighted, as the SDK does) → dynamic
 *   registration (JSON, preflighted) → authorization code + PKCE (a top-level navigation) → /callback:
 *   the code exchanged at the token endpoint → tool calls with the Bearer token (preflighted).
 * State lives in sessionStorage, which survives the round trip through the sign-in page in this tab.
 */
const PROTOCOL_VERSION = "2025-11-25";
/** The modern era: its revision in an envelope in `_meta`, and the method and tool name as headers too. */
const MODERN_REVISION = "2026-07-28";
const REDIRECT_URI = `${location.origin}/callback`;

const saved = () => JSON.parse(sessionStorage.getItem("mcp-client") ?? "{}");
const save = (patch) => sessionStorage.setItem("mcp-client", JSON.stringify({ ...saved(), ...patch }));

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** A challenge parameter (`name="value"`) from a WWW-Authenticate header. */
function challengeParam(header, name) {
  return new RegExp(`${name}="([^"]*)"`).exec(header ?? "")?.[1];
}

async function json(response, what) {
  const body = await response.json();
  if (!response.ok) throw new Error(`${what}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** SEP-2243: the arguments the server's tools mark with x-mcp-header, and their headers. */
const MIRRORED = { path: "Mcp-Param-Path", source: "Mcp-Param-Source", destination: "Mcp-Param-Destination" };

/** A header value: as is when plain printable ASCII, else the `=?base64?…?=` form of its UTF-8. */
function headerSafe(value) {
  if (/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) return value;
  return `=?base64?${btoa(String.fromCharCode(...new TextEncoder().encode(value)))}?=`;
}

/**
 * One tools/call; returns what a client can read of the answer. `modern` sends it as 2026-07-28 does,
 * with `Mcp-Method`, `Mcp-Name` and the `Mcp-Param-*` headers mirroring its path arguments (more for the
 * preflight to allow).
 */
function mirroredHeaders(args) {
  const headers = {};
  for (const [argument, header] of Object.entries(MIRRORED)) {
    if (typeof args[argument] === "string") headers[header] = headerSafe(args[argument]);
  }
  return headers;
}

async function call(name, args, { modern = false } = {}) {
  const { mcpUrl, accessToken } = saved();
  const params = { name, arguments: args };
  if (modern) {
    params._meta = {
      "io.modelcontextprotocol/protocolVersion": MODERN_REVISION,
      "io.modelcontextprotocol/clientInfo": { name: "browser-test-page", version: "1.0.0" },
      "io.modelcontextprotocol/clientCapabilities": {},
    };
  }
  const response = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": modern ? MODERN_REVISION : PROTOCOL_VERSION,
      ...(modern ? { "mcp-method": "tools/call", "mcp-name": name, ...mirroredHeaders(args) } : {}),
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params }),
  });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    requestId: response.headers.get("x-request-id"),
    body: text ? JSON.parse(text) : null,
  };
}

/** From the Worker's 401 to the authorization server's metadata, as SDK clients discover. */
async function discover(mcpUrl) {
  save({ mcpUrl, accessToken: undefined });
  const unauthorized = await call("list_allowed_directories", {});
  if (unauthorized.status !== 401) throw new Error(`expected 401, got ${unauthorized.status}`);
  const resourceMetadataUrl = challengeParam(unauthorized.challenge, "resource_metadata");
  const scope = challengeParam(unauthorized.challenge, "scope");
  const headers = { "mcp-protocol-version": PROTOCOL_VERSION };
  const resource = await json(await fetch(resourceMetadataUrl, { headers }), "protected resource metadata");
  const [issuer] = resource.authorization_servers;
  const server = await json(
    await fetch(`${issuer}/.well-known/oauth-authorization-server`, { headers }),
    "authorization server metadata",
  );
  save({ resource: resource.resource, issuer, server });
  return { resourceMetadataUrl, scope, issuer, resource: resource.resource };
}

async function register() {
  const { server } = saved();
  const client = await json(
    await fetch(server.registration_endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Browser test page",
        redirect_uris: [REDIRECT_URI],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "none",
      }),
    }),
    "registration",
  );
  save({ clientId: client.client_id });
  return client.client_id;
}

/** The authorization request's URL (PKCE S256, state, RFC 8707 resource). */
async function authorizationUrl(scope) {
  const { server, clientId, resource } = saved();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  save({ verifier, state });
  const url = new URL(server.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource,
  })) {
    url.searchParams.set(name, value);
  }
  return url.href;
}

/** On /callback: checks state and iss (RFC 9207), exchanges the code. */
async function completeAuthorization() {
  const params = new URLSearchParams(location.search);
  const { server, clientId, verifier, state, issuer, resource } = saved();
  if (params.get("error")) {
    return { ok: false, error: params.get("error"), description: params.get("error_description") };
  }
  if (params.get("state") !== state) throw new Error("state mismatch");
  if (params.get("iss") !== issuer) throw new Error(`iss mismatch: ${params.get("iss")}`);
  const response = await fetch(server.token_endpoint, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code") ?? "",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource,
    }),
  });
  const tokens = await json(response, "token exchange");
  save({ accessToken: tokens.access_token });
  return { ok: true, scope: tokens.scope, accessToken: tokens.access_token, refresh: "refresh_token" in tokens };
}

window.mcpClient = { discover, register, authorizationUrl, call };
if (location.pathname === "/callback") {
  const status = document.getElementById("status");
  window.callbackResult = completeAuthorization().then(
    (result) => {
      status.textContent = result.ok ? `signed in: ${result.scope}` : `refused: ${result.error}`;
      return result;
    },
    (error) => {
      status.textContent = `failed: ${error.message}`;
      return { ok: false, error: error.message };
    },
  );
}
