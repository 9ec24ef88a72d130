/**
 * A complete MCP SDK 1.x (`@modelcontextprotocol/sdk`) client with OAuth sign-in and step-up, against this
 * server. Run it against `npm run dev`:
 *
 *   node docs/examples/sdk1-oauth.mjs                       (MCP_URL=http://127.0.0.1:8787/mcp by default)
 *
 * The provider keeps the registration, tokens and PKCE verifier in memory. A real app opens the
 * authorization URL in the user's browser and receives the redirect on `redirectUrl`; the dev
 * authorization server approves at once when the request carries `login_hint`, so this example follows
 * the redirect itself and needs no browser.
 */
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const serverUrl = new URL(process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp");
const redirectUrl = "http://127.0.0.1:8790/callback"; // never listened on here: see redirectToAuthorization
const store = {};
let callback; // the authorization server's redirect back to redirectUrl (code, state, iss)

const authProvider = {
  get redirectUrl() {
    return redirectUrl;
  },
  get clientMetadata() {
    return {
      client_name: "sdk1-example",
      redirect_uris: [redirectUrl],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  },
  clientInformation: () => store.client,
  saveClientInformation: (client) => {
    store.client = client;
  },
  tokens: () => store.tokens,
  saveTokens: (tokens) => {
    store.tokens = tokens;
  },
  codeVerifier: () => store.verifier,
  saveCodeVerifier: (verifier) => {
    store.verifier = verifier;
  },
  async redirectToAuthorization(url) {
    // In an app: open `url` in a browser. Here: the dev server's instant approval.
    url.searchParams.set("login_hint", "alice");
    const answer = await fetch(url, { redirect: "manual" });
    callback = new URL(answer.headers.get("location"));
  },
};

/** Connects, signing in first when the server answers 401. */
async function connect() {
  const transport = new StreamableHTTPClientTransport(serverUrl, { authProvider });
  const client = new Client({ name: "sdk1-example", version: "1.0.0" });
  try {
    await client.connect(transport);
    return { client, transport };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await transport.finishAuth(callback.searchParams.get("code"));
    return connect();
  }
}

/** Calls a tool; on a 403 insufficient_scope the SDK asks for the wider scope, and we finish and retry. */
async function call(session, name, args) {
  try {
    return await session.client.callTool({ name, arguments: args });
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    await session.transport.finishAuth(callback.searchParams.get("code"));
    return session.client.callTool({ name, arguments: args });
  }
}

const session = await connect();
console.log((await call(session, "write_file", { path: "notes.md", content: "hello" })).content[0].text);
console.log((await call(session, "read_text_file", { path: "notes.md" })).content[0].text);
// delete_file needs files:delete, which the first sign-in did not ask for: the SDK steps up.
console.log((await call(session, "delete_file", { path: "notes.md" })).content[0].text);
await session.client.close();
