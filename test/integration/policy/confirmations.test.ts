/**
 * Confirmations (rule confirm-purge of the example policy) through the real v2 client on MCP 2026-07-28:
 * the elicitation says exactly what will happen; accept purges, decline and cancel change nothing; the
 * sealed request state cannot be replayed for other arguments or by another caller, nor forged; a client
 * that declared no elicitation, and a 2025-era client, get a tool error naming the rule.
 */
import { env } from "cloudflare:workers";
import { Client, type ElicitResult, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { callTool as callToolV1, connectClient, errorCodeOf, textOf } from "../../support/mcp-client";
import { AUDIENCE, mintToken } from "../../support/tokens";
import { callWorker, makeEnv } from "../../support/worker";
import { EXAMPLE_POLICY } from "../../unit/policy/example-policy";

let key: TestKey;
let workerEnv: Env;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("confirm");
  workerEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify(EXAMPLE_POLICY) });
});

interface Recorded {
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly response: Record<string, unknown>;
}

async function adminToken(tenant: string): Promise<string> {
  return mintToken({ key, claims: { sub: tenant, roles: ["admin"], auth_time: Math.floor(Date.now() / 1000) - 5 } });
}

/** A v2 client pinned to 2026-07-28 that answers elicitations with `answer` and records every exchange. */
async function modernClient(token: string, answer: ElicitResult | undefined) {
  const prompts: string[] = [];
  const exchanges: Recorded[] = [];
  const client = new Client(
    { name: "confirming-agent", version: "2.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities: answer ? { elicitation: { form: {} } } : {} },
  );
  if (answer) {
    client.setRequestHandler("elicitation/create", (request) => {
      prompts.push(request.params.message);
      return answer;
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(AUDIENCE), {
      fetch: async (url, init) => {
        const request = new Request(url, init);
        const body =
          request.method === "POST" ? (JSON.parse(await request.clone().text()) as Record<string, unknown>) : {};
        const response = await callWorker(workerEnv, request);
        const json = (await response
          .clone()
          .json()
          .catch(() => ({}))) as Record<string, unknown>;
        exchanges.push({ body, status: response.status, response: json });
        return response;
      },
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return { client, prompts, exchanges };
}

async function trashCount(tenant: string): Promise<number> {
  return (await env.FILES.list({ prefix: `trash/${tenant}/` })).objects.length;
}

/** A tenant with `files` deleted into its trash (through the server, as an admin with a fresh login). */
async function withTrash(files: number): Promise<{ tenant: string; token: string; trashIds: string[] }> {
  const tenant = `conf${counter++}x${Date.now().toString(36)}`;
  const token = await adminToken(tenant);
  const setup = await connectClient(workerEnv, token);
  const trashIds: string[] = [];
  for (let i = 0; i < files; i++) {
    await env.FILES.put(`files/${tenant}/f${i}.txt`, `file ${i}`);
    const deleted = await callToolV1(setup, "delete_file", { path: `f${i}.txt` });
    trashIds.push((deleted.structuredContent as { trashId: string }).trashId);
  }
  expect(await trashCount(tenant)).toBe(files);
  return { tenant, token, trashIds };
}

describe("confirm-purge on MCP 2026-07-28", () => {
  it("asks exactly what will happen; accept purges", async () => {
    const { tenant, token } = await withTrash(3);
    const { client, prompts, exchanges } = await modernClient(token, { action: "accept", content: { confirm: true } });
    const result = await client.callTool({ name: "empty_trash", arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ purged: 3, more: false });
    expect(prompts).toEqual(["Permanently delete 3 items from the trash? This cannot be undone."]);
    expect(await trashCount(tenant)).toBe(0);
    // Two rounds: input_required with a sealed state, then the retry carrying the answer and the state.
    const calls = exchanges.filter((exchange) => exchange.body.method === "tools/call");
    expect(calls).toHaveLength(2);
    expect((calls[0]?.response.result as { resultType?: string } | undefined)?.resultType).toBe("input_required");
    const params = (calls[1]?.body.params ?? {}) as { requestState?: string; inputResponses?: unknown };
    expect(params.requestState).toMatch(/^v1\./);
    expect(params.inputResponses).toMatchObject({ confirm: { action: "accept", content: { confirm: true } } });
  });

  it.each<[string, ElicitResult]>([
    ["decline", { action: "decline" }],
    ["cancel", { action: "cancel" }],
    ["accept without checking the box", { action: "accept", content: { confirm: false } }],
  ])("%s changes nothing", async (_name, answer) => {
    const { tenant, token } = await withTrash(2);
    const { client, prompts } = await modernClient(token, answer);
    const result = await client.callTool({ name: "empty_trash", arguments: {} });
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result as never)).toBe("confirmation_declined");
    expect(textOf(result as never)).toContain("rule confirm-purge");
    expect(prompts).toHaveLength(1);
    expect(await trashCount(tenant)).toBe(2);
  });

  it.each<[string, ElicitResult]>([
    ["content missing the required field", { action: "accept", content: {} }],
    ["content of the wrong type", { action: "accept", content: { confirm: "yes" } }],
  ])(
    "an answer that does not fit the form (%s) is asked again once, then declined; nothing runs",
    async (_name, answer) => {
      const { tenant, token } = await withTrash(2);
      const { client, prompts, exchanges } = await modernClient(token, answer);
      const result = await client.callTool({ name: "empty_trash", arguments: {} });
      expect(result.isError).toBe(true);
      expect(errorCodeOf(result as never)).toBe("confirmation_declined");
      expect(textOf(result as never)).toMatch(/after asking twice \(rule confirm-purge\): nothing was changed/);
      expect(prompts).toHaveLength(2);
      expect(exchanges.filter((exchange) => exchange.body.method === "tools/call")).toHaveLength(3);
      expect(await trashCount(tenant)).toBe(2);
    },
  );

  it("a state confirmed for some trash entries cannot be replayed for other arguments or by another caller", async () => {
    const { tenant, token, trashIds } = await withTrash(2);
    const { client, exchanges } = await modernClient(token, { action: "accept", content: { confirm: true } });
    const first = await client.callTool({ name: "empty_trash", arguments: { trashIds: [trashIds[0]] } });
    expect(first.isError).toBeFalsy();
    expect(await trashCount(tenant)).toBe(1);
    const accepted = exchanges.filter((exchange) => exchange.body.method === "tools/call").at(-1)?.body;
    const params = accepted?.params as Record<string, unknown>;

    const replay = async (args: Record<string, unknown>, bearer: string) => {
      const body = { ...accepted, id: 99, params: { ...params, arguments: args } };
      const response = await callWorker(
        workerEnv,
        new Request(AUDIENCE, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "empty_trash",
            authorization: `Bearer ${bearer}`,
          },
          body: JSON.stringify(body),
        }),
      );
      return (await response.json()) as {
        result?: { isError?: boolean; content: { text: string }[] };
        error?: { code: number };
      };
    };

    const logs = captureLogs();
    let otherArgs: Awaited<ReturnType<typeof replay>>;
    try {
      otherArgs = await replay({ trashIds: [trashIds[1]] }, token);
    } finally {
      logs.restore();
    }
    expect(otherArgs.result?.isError).toBe(true);
    expect(otherArgs.result?.content[0]?.text).toMatch(/^\[confirmation_invalid\] .*rule confirm-purge/);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ kind: "security", type: "policy_refused", reason: "confirmation_other_call" }),
    );
    const everything = await replay({}, token);
    expect(everything.result?.content[0]?.text).toMatch(/^\[confirmation_invalid\]/);
    // Another tenant presenting the same state.
    const intruder = await replay({ trashIds: [trashIds[0]] }, await adminToken(`${tenant}-other`));
    expect(intruder.result?.content[0]?.text).toMatch(/^\[confirmation_invalid\]/);
    expect(await trashCount(tenant)).toBe(1);

    // A forged state never reaches the seam: the SDK refuses it (-32602).
    const forged = await replay({ trashIds: [trashIds[1]] }, token).then(() =>
      callWorker(
        workerEnv,
        new Request(AUDIENCE, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "empty_trash",
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify({
            ...accepted,
            id: 100,
            params: {
              ...params,
              arguments: { trashIds: [trashIds[1]] },
              requestState: `${String(params.requestState).slice(0, -4)}AAAA`,
            },
          }),
        }),
      ),
    );
    expect(((await forged.json()) as { error?: { code: number } }).error?.code).toBe(-32602);
    expect(await trashCount(tenant)).toBe(1);
  });

  it("a confirmation is single-use: the accepted call replayed with the same state is refused", async () => {
    const tenant = `conf${counter++}x${Date.now().toString(36)}`;
    const ledgerEnv = makeEnv(key, {
      ACCESS_POLICY: JSON.stringify({
        ...EXAMPLE_POLICY,
        rules: [
          ...EXAMPLE_POLICY.rules,
          { id: "confirm-ledger", effect: "confirm", actions: ["write"], paths: ["ledger/**"] },
        ],
      }),
    });
    const token = await adminToken(tenant);
    const exchanges: { body: Record<string, unknown> }[] = [];
    const send = async (request: Request) => {
      const body =
        request.method === "POST" ? (JSON.parse(await request.clone().text()) as Record<string, unknown>) : {};
      exchanges.push({ body });
      return callWorker(ledgerEnv, request);
    };
    const client = new Client(
      { name: "confirming-agent", version: "2.0.0" },
      { versionNegotiation: { mode: { pin: "2026-07-28" } }, capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler("elicitation/create", () => ({ action: "accept", content: { confirm: true } }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(AUDIENCE), {
        fetch: (url, init) => send(new Request(url, init)),
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const first = await client.callTool({
      name: "append_file",
      arguments: { path: "ledger/book.txt", content: "+100\n" },
    });
    expect(first.isError).toBeFalsy();
    const accepted = exchanges.filter((exchange) => exchange.body.method === "tools/call").at(-1)?.body;
    expect((accepted?.params as { requestState?: string } | undefined)?.requestState).toMatch(/^v1\./);

    const logs = captureLogs();
    let replayed: { result?: { isError?: boolean; content: { text: string }[] } };
    try {
      const response = await callWorker(
        ledgerEnv,
        new Request(AUDIENCE, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "append_file",
            // SEP-2243: the path argument mirrored in its header, as the client sent it.
            "mcp-param-path": "ledger/book.txt",
            authorization: `Bearer ${token}`,
          },
          body: JSON.stringify({ ...accepted, id: 77 }),
        }),
      );
      replayed = (await response.json()) as typeof replayed;
    } finally {
      logs.restore();
    }
    expect(replayed.result?.isError).toBe(true);
    expect(replayed.result?.content[0]?.text).toMatch(/^\[confirmation_invalid\] This confirmation was already used/);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({ kind: "security", type: "policy_refused", reason: "confirmation_reused" }),
    );
    // Appended once, not twice.
    expect(await (await env.FILES.get(`files/${tenant}/ledger/book.txt`))?.text()).toBe("+100\n");
  });

  it("a client that declared no elicitation gets a tool error naming the rule", async () => {
    const { tenant, token } = await withTrash(1);
    const { client } = await modernClient(token, undefined);
    const result = await client.callTool({ name: "empty_trash", arguments: {} });
    expect(errorCodeOf(result as never)).toBe("confirmation_required");
    expect(textOf(result as never)).toContain("(rule confirm-purge)");
    expect(await trashCount(tenant)).toBe(1);
  });

  it("a 2025-era client cannot be asked: a tool error naming the rule", async () => {
    const { tenant, token } = await withTrash(1);
    const client = await connectClient(workerEnv, token);
    const result = await callToolV1(client, "empty_trash");
    expect(errorCodeOf(result)).toBe("confirmation_required");
    expect(textOf(result)).toContain("client that supports confirmations");
    expect(await trashCount(tenant)).toBe(1);
  });
});
