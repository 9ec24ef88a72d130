/**
 * The effects the example policy does not use, through the whole Worker: `limit` per role,
 * `require-certificate` (a verified mTLS certificate on the request's `cf`), `step-up` by `acr`, and the
 * tool call parsed once.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Env } from "../../../src/env";
import { writeFile } from "../../../src/tools/write-file";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, connectClient, errorCodeOf, textOf } from "../../support/mcp-client";
import { mintToken } from "../../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, postMcp, toolCall } from "../../support/worker";

const POLICY = {
  version: 1,
  roles: { editor: ["files:read", "files:write"], uploader: ["files:read", "files:write"] },
  rules: [
    { id: "editor-small-writes", effect: "limit", roles: ["editor"], maxWriteBytes: 16 },
    { id: "finance-needs-mtls", effect: "require-certificate", paths: ["finance/**"] },
    { id: "mfa-for-hr", effect: "step-up", paths: ["hr/**"], acrValues: ["urn:mfa"] },
  ],
};

let key: TestKey;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("effects");
  workerEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify(POLICY) });
});

afterEach(() => vi.restoreAllMocks());

function token(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return mintToken({ key, claims: { sub, ...claims } });
}

describe("limit: per-role maxWriteBytes", () => {
  it("refuses an editor's write over the limit with too_large naming the rule; another role writes it", async () => {
    const editor = await connectClient(workerEnv, await token("eff-limit", { roles: ["editor"] }));
    const big = "x".repeat(17);
    const result = await callTool(editor, "write_file", { path: "big.txt", content: big });
    expect(errorCodeOf(result)).toBe("too_large");
    expect(textOf(result)).toContain("at most 16 bytes per write (rule editor-small-writes)");
    expect(await env.FILES.head("files/eff-limit/big.txt")).toBeNull();
    expect((await callTool(editor, "write_file", { path: "ok.txt", content: "x".repeat(16) })).isError).toBeFalsy();
    const uploader = await connectClient(workerEnv, await token("eff-limit", { roles: ["uploader"] }));
    expect((await callTool(uploader, "write_file", { path: "big.txt", content: big })).isError).toBeFalsy();
    expect(await (await env.FILES.get("files/eff-limit/big.txt"))?.text()).toBe(big);
  });
});

describe("require-certificate", () => {
  async function readFinance(cf: unknown): Promise<Response> {
    const request = new Request("https://files.example.test/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${await token("eff-cert")}` },
      body: JSON.stringify(toolCall("read_text_file", { path: "finance/q3.txt" })),
      ...(cf ? { cf } : {}),
    } as RequestInit);
    return callWorker(workerEnv, request);
  }

  it("refuses without a verified client certificate, allows with one", async () => {
    await env.FILES.put("files/eff-cert/finance/q3.txt", "numbers");
    const without = (await (await readFinance(undefined)).json()) as {
      result: { isError: boolean; content: { text: string }[] };
    };
    expect(without.result.isError).toBe(true);
    expect(without.result.content[0]?.text).toMatch(/^\[certificate_required\] .*rule finance-needs-mtls/);
    const failed = (await (await readFinance({ tlsClientAuth: { certVerified: "FAILED:self signed" } })).json()) as {
      result: { isError: boolean };
    };
    expect(failed.result.isError).toBe(true);
    const verified = (await (
      await readFinance({
        tlsClientAuth: {
          certPresented: "1",
          certVerified: "SUCCESS",
          certRevoked: "0",
          certFingerprintSHA256: "ab".repeat(32),
        },
      })
    ).json()) as {
      result: { isError?: boolean; content: { text: string }[] };
    };
    expect(verified.result.isError).toBeFalsy();
    expect(verified.result.content[0]?.text).toBe("numbers");
  });
});

describe("step-up by acr", () => {
  it("asks for acr_values when the authentication level is too low, and lets a matching acr through", async () => {
    await env.FILES.put("files/eff-acr/hr/list.txt", "people");
    const low = await postMcp(workerEnv, toolCall("read_text_file", { path: "hr/list.txt" }), {
      authorization: `Bearer ${await token("eff-acr", { acr: "urn:pwd" })}`,
    });
    expect(low.status).toBe(401);
    const challenge = low.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_user_authentication"');
    expect(challenge).toContain('acr_values="urn:mfa"');
    expect(challenge).not.toContain("max_age");
    const high = await connectClient(workerEnv, await token("eff-acr", { acr: "urn:mfa" }));
    expect(textOf(await callTool(high, "read_text_file", { path: "hr/list.txt" }))).toBe("people");
  });
});

describe("the tool call is parsed once", () => {
  it("looks the input up and parses it exactly once per call", async () => {
    const parse = vi.spyOn(writeFile.input, "safeParse");
    const access = vi.spyOn(writeFile, "access");
    const response = await postMcp(workerEnv, toolCall("write_file", { path: "once.txt", content: "1" }), {
      authorization: `Bearer ${await token("eff-once")}`,
    });
    expect(response.status).toBe(200);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(access).toHaveBeenCalledTimes(1);
    expect(await (await env.FILES.get("files/eff-once/once.txt"))?.text()).toBe("1");
  });

  it("a path the sandbox refuses is refused before any R2 access, as invalid_path", async () => {
    const client = await connectClient(workerEnv, await token("eff-path"));
    const result = await callTool(client, "write_file", { path: "../other/x", content: "1" });
    expect(errorCodeOf(result)).toBe("invalid_path");
  });
});
