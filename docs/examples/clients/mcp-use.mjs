/**
 * mcp-use's TypeScript client (the `mcp-use` 1.x line; 2.x ships only the server framework): its own
 * `NodeOAuthClientProvider` with a loopback callback listener, the browser replaced by a fetch that adds
 * `login_hint`; write and read a file, then delete with a token that lacks `files:delete`. mcp-use steps
 * up: the 403 opens a new authorization for `files:read files:write files:delete`, the call fails with
 * "Unauthorized" until the app exchanges the code, then the same call succeeds.
 *
 *   npm install mcp-use@1 && node mcp-use.mjs          (MCP_URL=http://127.0.0.1:8787/mcp by default)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js"; // installed with mcp-use
import { NodeOAuthClientProvider } from "mcp-use/auth/node";
import { MCPClient } from "mcp-use/client"; // not "mcp-use": its root export needs langchain installed

const url = process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp";
const callbackPort = Number(process.env.CALLBACK_PORT ?? 8791);
const provider = await NodeOAuthClientProvider.create(url, {
  preferredPort: callbackPort,
  baseDir: mkdtempSync(join(tmpdir(), "mcp-use-oauth-")), // where it keeps the registration and tokens
  // Outside a browser it registers client_uri "" unless told, which the dev authorization server refuses.
  clientUri: `http://127.0.0.1:${callbackPort}`,
  openBrowser: async (authorizationUrl) => {
    const signIn = new URL(authorizationUrl);
    console.log("authorization asks for:", signIn.searchParams.get("scope"));
    signIn.searchParams.set("login_hint", "alice");
    await fetch(signIn); // follows the redirect to the provider's callback listener
  },
});
const scope = async () =>
  JSON.parse(Buffer.from((await provider.tokens()).access_token.split(".")[1], "base64url")).scope;
const finishSignIn = async () =>
  auth(provider, { serverUrl: url, authorizationCode: await provider.getAuthorizationCode() });

const client = MCPClient.fromDict({ mcpServers: { files: { url, authProvider: provider, disableSseFallback: true } } });
let session;
try {
  session = await client.createSession("files");
} catch (error) {
  console.log("first connect:", error.message);
  await finishSignIn();
  await client.closeAllSessions();
  session = await client.createSession("files");
}
console.log("signed in with", await scope());
const call = async (name, args) =>
  (await session.connector.callTool(name, args)).content.map((p) => p.text ?? "").join("");
console.log("tools:", session.connector.tools.length);
console.log("write_file:", await call("write_file", { path: "examples/mcp-use.md", content: "hello" }));
console.log("read_text_file:", await call("read_text_file", { path: "examples/mcp-use.md" }));
try {
  await call("delete_file", { path: "examples/mcp-use.md" });
} catch (error) {
  console.log("delete_file:", error.message);
  await finishSignIn();
  console.log("stepped up to", await scope());
  console.log("delete_file:", await call("delete_file", { path: "examples/mcp-use.md" }));
}
await client.closeAllSessions();
provider.dispose();
