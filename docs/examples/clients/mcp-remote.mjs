/**
 * mcp-remote (stdio ↔ streamable HTTP), driven the way a desktop MCP host drives it: JSON-RPC lines on its
 * stdin and stdout. Where no browser can be opened it prints "Please authorize this client by visiting:"
 * and the URL on stderr, then waits on its callback port; this script plays the browser by fetching that
 * URL once the port answers, and `--authorize-param login_hint=alice` makes the dev server approve at once.
 * The 403 on `delete_file` makes mcp-remote step up by itself (a second URL, for `files:read files:write
 * files:delete`), after which the call succeeds.
 *
 *   npm install mcp-remote@0.15.1 && node mcp-remote.mjs   (MCP_URL=http://127.0.0.1:8787/mcp by default)
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

const url = process.env.MCP_URL ?? "http://127.0.0.1:8787/mcp";
const proxy = join(dirname(createRequire(import.meta.url).resolve("mcp-remote/package.json")), "dist/proxy.js");
const child = spawn(
  process.execPath,
  [proxy, url, process.env.CALLBACK_PORT ?? "8793", "--authorize-param", "login_hint=alice"],
  // Its own folder for the registration and tokens (default ~/.mcp-auth), so each run signs in afresh.
  { env: { ...process.env, MCP_REMOTE_CONFIG_DIR: mkdtempSync(join(tmpdir(), "mcp-remote-")) } },
);

async function openInBrowser(signIn) {
  console.log("authorization asks for:", signIn.searchParams.get("scope"));
  for (let attempt = 0; attempt < 40; attempt++) {
    // The URL is printed before the callback listener is up; a person is slower than that.
    if (await fetch(signIn).catch(() => undefined)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
createInterface({ input: child.stderr }).on("line", (line) => {
  if (/^https?:\/\/\S+$/.test(line) && new URL(line).searchParams.has("code_challenge"))
    void openInBrowser(new URL(line));
});

const waiting = new Map();
createInterface({ input: child.stdout }).on("line", (line) => {
  const message = JSON.parse(line);
  waiting.get(message.id)?.(message);
});
let lastId = 0;
function request(method, params) {
  const id = ++lastId;
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
  return new Promise((resolve) => waiting.set(id, resolve));
}
const call = async (name, args) => {
  const { result, error } = await request("tools/call", { name, arguments: args });
  return error ? `error ${error.code}: ${error.message}` : result.content.map((p) => p.text).join("");
};

try {
  const clientInfo = { name: "mcp-remote example", version: "1.0.0" };
  const init = await request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo });
  console.log("initialized:", init.result.serverInfo.name, init.result.protocolVersion);
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  console.log("tools:", (await request("tools/list", {})).result.tools.length);
  console.log("write_file:", await call("write_file", { path: "examples/mcp-remote.md", content: "hello" }));
  console.log("read_text_file:", await call("read_text_file", { path: "examples/mcp-remote.md" }));
  console.log("delete_file:", await call("delete_file", { path: "examples/mcp-remote.md" }));
} finally {
  child.kill();
}
