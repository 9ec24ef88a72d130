/**
 * LangChain MCP adapters (`@langchain/mcp-adapters`, on SDK 1.x): OAuth sign-in, write and read a file, then
 * delete with a token that lacks `files:delete`. The adapters step up: the 403 starts a new authorization
 * for `files:read files:write files:delete`, and the tool call fails with `ToolException ... Unauthorized`
 * until the app exchanges the code; the same tool then succeeds.
 *
 *   npm install @langchain/mcp-adapters @langchain/core && node langchain.mjs
 *                                                     (MCP_URL=http://127.0.0.1:8787/mcp by default)
 */
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js"; // installed with the adapters
import { headlessProvider, scopeOf } from "./headless-provider.mjs";

const url = process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp";
const provider = headlessProvider();
const connect = () =>
  new MultiServerMCPClient({
    mcpServers: { files: { transport: "http", url, authProvider: provider, reconnect: { enabled: false } } },
  });

/** Exchanges the code that the provider's (headless) browser step brought back. */
async function finishSignIn() {
  const callback = provider.store.callbacks.at(-1);
  await auth(provider, { serverUrl: url, authorizationCode: callback.get("code") });
}

let client = connect();
let tools = await client.getTools().catch((error) => console.log("first connect:", error.message));
if (!tools?.length) {
  await finishSignIn(); // the 401 started the authorization
  await client.close();
  client = connect();
  tools = await client.getTools();
}
console.log("signed in with", scopeOf(provider.store.tokens.access_token));
const call = async (name, args) => (await tools.find((t) => t.name === name).invoke(args)).text;
console.log("tools:", tools.length);
console.log("write_file:", await call("write_file", { path: "examples/langchain.md", content: "hello" }));
console.log("read_text_file:", await call("read_text_file", { path: "examples/langchain.md" }));
try {
  await call("delete_file", { path: "examples/langchain.md" });
} catch (error) {
  console.log("delete_file:", error.name, error.message, "- asked for:", provider.store.authorizations.at(-1));
  await finishSignIn();
  console.log("stepped up to", scopeOf(provider.store.tokens.access_token));
  console.log("delete_file:", await call("delete_file", { path: "examples/langchain.md" }));
}
await client.close();
