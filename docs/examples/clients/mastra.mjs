/**
 * Mastra (`@mastra/mcp`, Node 22.13+): its `MCPOAuthClientProvider` takes no dynamic registration, so the
 * client is registered first (RFC 7591 at the dev authorization server's `/reg`, as an operator would);
 * `mcp.authenticate()` then signs in through its loopback callback, the browser replaced by a fetch that
 * adds `login_hint`. Write and read a file, then delete without `files:delete`: Mastra starts a step-up
 * (hands an authorization URL for `files:read files:write files:delete` to `onRedirectToAuthorization`),
 * but its callback listener runs only inside `authenticate()`, which returns at once while the narrower
 * token is valid, so the call fails with `UnauthorizedError`. Sign-in always asks for the 401 challenge's
 * scope (`clientMetadata.scope` is not used), so for deletes pass a token with `files:delete`: run with
 * TOKEN=$(npm run -s token -- --sub alice --scope "files:read files:write files:delete").
 *
 *   npm install @mastra/mcp && node mastra.mjs      (MCP_URL=http://127.0.0.1:8787/mcp, ISSUER=…:8788)
 */
import { MCPClient, MCPOAuthClientProvider } from "@mastra/mcp";

const url = process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp";
const issuer = process.env.ISSUER ?? "http://127.0.0.1:8788";
const redirectUrl = `http://127.0.0.1:${process.env.CALLBACK_PORT ?? 8792}/oauth/callback`;
const clientMetadata = {
  client_name: "mastra example",
  redirect_uris: [redirectUrl],
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "none",
};
const registered = await fetch(`${issuer}/reg`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(clientMetadata),
}).then((response) => response.json());

const provider = new MCPOAuthClientProvider({
  redirectUrl,
  clientMetadata,
  clientInformation: { client_id: registered.client_id },
  onRedirectToAuthorization: async (authorizationUrl) => {
    const signIn = new URL(authorizationUrl);
    console.log("authorization asks for:", signIn.searchParams.get("scope"));
    signIn.searchParams.set("login_hint", "alice");
    const location = (await fetch(signIn, { redirect: "manual" })).headers.get("location");
    // The "browser" lands on Mastra's callback listener, which is up only inside mcp.authenticate().
    await fetch(location).catch(() => console.log("(no callback listener: the code is dropped)"));
  },
});
const scope = async () =>
  JSON.parse(Buffer.from((await provider.tokens()).access_token.split(".")[1], "base64url")).scope;
const text = (result) => JSON.stringify(result).slice(0, 120);

const mcp = new MCPClient({ servers: { files: { url: new URL(url), authProvider: provider } } });
await mcp.authenticate("files", { timeoutMs: 30_000 });
console.log("signed in with", await scope());
const tools = await mcp.listTools(); // named <server>_<tool>
console.log("tools:", Object.keys(tools).length);
console.log(
  "write_file:",
  text(await tools.files_write_file.execute({ path: "examples/mastra.md", content: "hello" }, {})),
);
console.log("read_text_file:", text(await tools.files_read_text_file.execute({ path: "examples/mastra.md" }, {})));
await tools.files_delete_file
  .execute({ path: "examples/mastra.md" }, {})
  .catch((error) => console.log("delete_file:", error.name, error.message));
await mcp.disconnect();

if (process.env.TOKEN) {
  const withToken = new MCPClient({
    servers: {
      files: { url: new URL(url), requestInit: { headers: { Authorization: `Bearer ${process.env.TOKEN}` } } },
    },
  });
  const deleted = await (await withToken.listTools()).files_delete_file.execute({ path: "examples/mastra.md" }, {});
  console.log("delete_file with the bearer token:", text(deleted));
  await withToken.disconnect();
}
