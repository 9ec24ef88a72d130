/**
 * AI SDK MCP client (`@ai-sdk/mcp`, Node 22+): OAuth sign-in, write and read a file, then delete with a
 * token that lacks `files:delete`. The client does not step up on the 403: the call throws
 * `MCPClientError` ("Forbidden: delete_file requires the files:delete scope"), and its sign-in asks for the
 * 401 challenge's scope, whatever `clientMetadata.scope` says. So the app re-authorizes itself with
 * `auth(provider, { serverUrl, scope })` and reconnects, as below.
 *
 *   npm install @ai-sdk/mcp && node ai-sdk.mjs        (MCP_URL=http://127.0.0.1:8787/mcp by default)
 */
import { auth, createMCPClient, UnauthorizedError } from "@ai-sdk/mcp";
import { headlessProvider, scopeOf } from "./headless-provider.mjs";

const url = process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp";
const provider = headlessProvider();
const connect = () => createMCPClient({ transport: { type: "http", url, authProvider: provider } });

/** Exchanges the code that the provider's (headless) browser step brought back. */
async function finishSignIn() {
  const callback = provider.store.callbacks.at(-1);
  await auth(provider, {
    serverUrl: url,
    authorizationCode: callback.get("code"),
    callbackState: callback.get("state"),
    callbackIssuer: callback.get("iss"),
  });
}

let client;
try {
  client = await connect();
} catch (error) {
  if (!(error instanceof UnauthorizedError)) throw error;
  await finishSignIn(); // the 401 started the authorization, with the challenge's scope
  client = await connect();
}
console.log("signed in with", scopeOf(provider.store.tokens.access_token));
const tools = await client.tools();
const run = async (name, args) =>
  (await tools[name].execute(args, { toolCallId: name, messages: [] })).content.map((p) => p.text).join("");
console.log("tools:", Object.keys(tools).length);
console.log("write_file:", await run("write_file", { path: "examples/ai-sdk.md", content: "hello" }));
console.log("read_text_file:", await run("read_text_file", { path: "examples/ai-sdk.md" }));
try {
  await run("delete_file", { path: "examples/ai-sdk.md" });
} catch (error) {
  console.log("delete_file:", error.name, error.message);
}
await client.close();

if ((await auth(provider, { serverUrl: url, scope: "files:read files:write files:delete" })) === "REDIRECT") {
  await finishSignIn();
}
console.log("re-authorized with", scopeOf(provider.store.tokens.access_token));
client = await connect();
const retried = await (await client.tools()).delete_file.execute(
  { path: "examples/ai-sdk.md" },
  { toolCallId: "retry", messages: [] },
);
console.log("delete_file:", retried.content.map((p) => p.text).join(""));
await client.close();
