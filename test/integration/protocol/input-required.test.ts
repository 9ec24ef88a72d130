/**
 * The multi-round-trip contract (2026-07-28 `input_required`) the confirmation work builds on, pinned
 * with the exact pieces src/mcp uses — a low-level `Server` served per request by `createMcpHandler`
 * inside workerd — and real v2 clients. docs/protocol.md ("Multi-round-trip requests") explains it:
 * a `tools/call` handler returns `inputRequired(...)`; the client answers the embedded elicitation and
 * retries; the handler reads `ctx.mcpReq.inputResponses` and the sealed `ctx.mcpReq.requestState()`.
 */
import {
  Client,
  type ElicitResult,
  ProtocolError,
  SdkError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import {
  acceptedContent,
  type CallToolResult,
  createMcpHandler,
  createRequestStateCodec,
  type InputRequiredResult,
  inputRequired,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import * as z from "zod";

const confirmation = z.object({ confirm: z.boolean() });
type PendingDelete = { step: "confirm"; path: string };

function createFactory(entries: string[]) {
  // One key per deployment in production (a secret); the codec seals, it does not encrypt.
  const codec = createRequestStateCodec<PendingDelete>({ key: "k".repeat(32), ttlSeconds: 300 });
  return () => {
    const server = new Server(
      { name: "contract", version: "1.0.0" },
      { capabilities: { tools: {} }, requestState: { verify: codec.verify } },
    );
    server.setRequestHandler("tools/list", () => ({
      tools: [{ name: "delete_file", inputSchema: { type: "object", properties: { path: { type: "string" } } } }],
    }));
    server.setRequestHandler("tools/call", async (request, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const path = String(request.params.arguments?.path);
      const state = ctx.mcpReq.requestState<PendingDelete>();
      const answer = acceptedContent(ctx.mcpReq.inputResponses, "confirm", confirmation);
      if (state?.path === path && answer?.confirm === true) {
        entries.push(`deleted ${path}`);
        return { content: [{ type: "text", text: `deleted ${path}` }] };
      }
      if (state !== undefined && answer !== undefined)
        return { isError: true, content: [{ type: "text", text: "declined" }] };
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({ message: `Delete ${path}?`, requestedSchema: confirmation }),
        },
        requestState: await codec.mint({ step: "confirm", path }),
      });
    });
    return server;
  };
}

function createHandler(entries: string[]) {
  return createMcpHandler(createFactory(entries), { legacy: "reject" });
}

async function connect(handler: ReturnType<typeof createHandler>, answer: ElicitResult | undefined, prompts: string[]) {
  const client = new Client(
    { name: "contract-client", version: "1.0.0" },
    {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
      capabilities: answer ? { elicitation: { form: {} } } : {},
    },
  );
  if (answer) {
    client.setRequestHandler("elicitation/create", (request) => {
      prompts.push(request.params.message);
      return answer;
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL("https://contract.test/mcp"), {
      fetch: (url, init) => handler.fetch(new Request(url, init)),
    }),
  );
  return client;
}

describe("input_required (2026-07-28) with a low-level Server behind createMcpHandler", () => {
  it("asks, receives the confirmation and the sealed state on the retry, then acts once", async () => {
    const entries: string[] = [];
    const prompts: string[] = [];
    const client = await connect(createHandler(entries), { action: "accept", content: { confirm: true } }, prompts);
    const result = await client.callTool({ name: "delete_file", arguments: { path: "a.txt" } });
    expect(result.content).toEqual([{ type: "text", text: "deleted a.txt" }]);
    expect(prompts).toEqual(["Delete a.txt?"]);
    expect(entries).toEqual(["deleted a.txt"]);
  });

  it("a declined confirmation changes nothing", async () => {
    const entries: string[] = [];
    const client = await connect(createHandler(entries), { action: "accept", content: { confirm: false } }, []);
    const result = await client.callTool({ name: "delete_file", arguments: { path: "a.txt" } });
    expect(result.isError).toBe(true);
    expect(entries).toEqual([]);
  });

  it("a client that did not declare elicitation is refused with -32021 before the handler acts", async () => {
    const entries: string[] = [];
    const client = await connect(createHandler(entries), undefined, []);
    const call = client.callTool({ name: "delete_file", arguments: { path: "a.txt" } });
    await expect(call).rejects.toSatisfy((error) => error instanceof ProtocolError || error instanceof SdkError);
    await expect(call).rejects.toMatchObject({ code: -32021 });
    expect(entries).toEqual([]);
  });

  it("tampered request state is refused with -32602 and never reaches the handler", async () => {
    const entries: string[] = [];
    const handler = createHandler(entries);
    const response = await handler.fetch(
      new Request("https://contract.test/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "delete_file",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: {
            name: "delete_file",
            arguments: { path: "a.txt" },
            inputResponses: { confirm: { action: "accept", content: { confirm: true } } },
            requestState: "v1.eyJwIjp7InN0ZXAiOiJjb25maXJtIiwicGF0aCI6ImEudHh0In0sImV4cCI6OTk5OTk5OTk5OX0.forged",
            _meta: {
              "io.modelcontextprotocol/protocolVersion": "2026-07-28",
              "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } },
            },
          },
        }),
      }),
    );
    const body = (await response.json()) as { error?: { code: number; message: string } };
    expect(body.error?.code).toBe(-32602);
    expect(body.error?.message).toBe("Invalid or expired requestState");
    expect(entries).toEqual([]);
  });

  it("on the stateless 2025 leg (no initialize seen, no return channel) the call ends as a tool error at once", async () => {
    const entries: string[] = [];
    const server = createFactory(entries)();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    const message = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "delete_file", arguments: { path: "a.txt" } },
    };
    const response = await transport.handleRequest(
      new Request("https://contract.test/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-11-25",
        },
        body: JSON.stringify(message),
      }),
    );
    const body = (await response.json()) as { result?: CallToolResult };
    await server.close();
    expect(body.result?.isError).toBe(true);
    expect(entries).toEqual([]);
  });
});
