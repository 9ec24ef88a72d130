/**
 * The benchmark's floor: a Worker that answers the same JSON-RPC requests as the product with nothing
 * but the R2 call each one needs. No authentication (a request without the expected Authorization
 * header gets 401), no limits, no logging, no SDK. `npm run bench` reports the product's figures as
 * ratios to this Worker's, measured in the same run.
 */
interface BareEnv {
  FILES: R2Bucket;
}

type RpcMessage = { id?: string | number | null; method?: string; params?: { name?: string; arguments?: unknown } };

// The same shape the product answers with, so both sides serialise comparable payloads.
const TOOLS = [
  { name: "read_text_file", inputSchema: { type: "object", properties: { path: { type: "string" } } } },
  { name: "write_file", inputSchema: { type: "object", properties: { path: { type: "string" } } } },
];

function reply(id: RpcMessage["id"], result: unknown, status = 200): Response {
  return Response.json({ jsonrpc: "2.0", id: id ?? null, result }, { status });
}

function error(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", id: null, error: { code, message } }, { status, headers });
}

async function callTool(env: BareEnv, message: RpcMessage): Promise<Response> {
  const args = (message.params?.arguments ?? {}) as { path?: string; content?: string };
  if (typeof args.path !== "string") return error(400, -32602, "path required");
  const key = `bare/${args.path}`;
  if (message.params?.name === "read_text_file") {
    const object = await env.FILES.get(key);
    if (object === null) return reply(message.id, { content: [{ type: "text", text: "not found" }], isError: true });
    return reply(message.id, { content: [{ type: "text", text: await object.text() }] });
  }
  if (message.params?.name === "write_file" && typeof args.content === "string") {
    const written = await env.FILES.put(key, args.content);
    return reply(message.id, { content: [{ type: "text", text: `wrote ${written?.size ?? 0} bytes` }] });
  }
  return error(400, -32602, "unknown tool");
}

export default {
  async fetch(request, env): Promise<Response> {
    if (request.method === "GET") return new Response("ok");
    if (request.headers.get("authorization") !== "Bearer bare-benchmark") {
      return error(401, -32000, "Unauthorized", { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    const message = (await request.json()) as RpcMessage;
    if (message.method === "tools/list") return reply(message.id, { tools: TOOLS });
    if (message.method === "tools/call") return callTool(env, message);
    return error(400, -32601, "Method not found");
  },
} satisfies ExportedHandler<BareEnv>;
