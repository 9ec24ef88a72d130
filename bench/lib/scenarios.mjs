/**
 * The request kinds the benchmark measures, each as the same JSON-RPC exchange against the product
 * (real MCP headers, a dev-issuer token) and against the bare Worker (bench/bare-worker.ts), with the
 * check that tells a real answer from a refusal or an error. Bodies are built once, not per request.
 */
export const FILE_BYTES = 4096;
const CONTENT = "0123456789abcdef".repeat(FILE_BYTES / 16);
const READ_PATH = "bench/read-4k.txt";

const rpc = (id, method, params) => Buffer.from(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
const call = (name, args) => rpc(1, "tools/call", { name, arguments: args });

const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};

const succeeded = (response) => response.status === 200 && !response.body.includes('"isError":true');

/**
 * @param {{ token: string, badToken: string }} credentials the product's valid token and a token whose
 *   signature does not verify (same issuer, audience and kid: the verifier does all its work, then refuses)
 */
export function createScenarios({ token, badToken }) {
  const product = (authorization) => ({ ...MCP_HEADERS, authorization: `Bearer ${authorization}` });
  const bare = (authorization = "bare-benchmark") => ({ ...MCP_HEADERS, authorization: `Bearer ${authorization}` });
  const readBody = call("read_text_file", { path: READ_PATH });
  const listBody = rpc(1, "tools/list", {});
  // One file per concurrent worker, so concurrent overwrites never race on one key.
  const writeBodies = Array.from({ length: 64 }, (_, slot) =>
    call("write_file", { path: `bench/write-${slot}.txt`, content: CONTENT }),
  );
  const post = (headers, body) => ({ method: "POST", path: "/mcp", headers, body });

  return [
    {
      name: "read_text_file 4 KiB",
      product: () => post(product(token), readBody),
      bare: () => post(bare(), readBody),
      ok: (response) => succeeded(response) && response.body.includes(CONTENT.slice(0, 64)),
    },
    {
      name: "write_file 4 KiB",
      product: (slot) => post(product(token), writeBodies[slot % writeBodies.length]),
      bare: (slot) => post(bare(), writeBodies[slot % writeBodies.length]),
      ok: succeeded,
    },
    {
      name: "tools/list",
      product: () => post(product(token), listBody),
      bare: () => post(bare(), listBody),
      ok: (response) => succeeded(response) && response.body.includes("read_text_file"),
    },
    {
      name: "failed authentication",
      product: () => post(product(badToken), listBody),
      bare: () => post(bare("wrong"), listBody),
      ok: (response) => response.status === 401,
    },
  ];
}

/** The request that stores the file the read scenario reads (run once per server before measuring). */
export function seedRequest(headers) {
  return writeRequest(headers, READ_PATH);
}

/** One tools/call to the product with the benchmark's MCP headers plus `headers` (e.g. authorization). */
export function toolCallRequest(headers, name, args) {
  return { method: "POST", path: "/mcp", headers: { ...MCP_HEADERS, ...headers }, body: call(name, args) };
}

/** Any JSON-RPC request to the product with the benchmark's MCP headers plus `headers`. */
export function rpcRequest(headers, method, params) {
  return { method: "POST", path: "/mcp", headers: { ...MCP_HEADERS, ...headers }, body: rpc(1, method, params) };
}

/** A 4 KiB write of `path`, the content every benchmark file has. */
export function writeRequest(headers, path) {
  return toolCallRequest(headers, "write_file", { path, content: CONTENT });
}

export const BARE_AUTHORIZATION = { authorization: "Bearer bare-benchmark" };
