/**
 * Size errors a model can act on, through the real clients: content over a tool's cap is a tool error
 * naming append_file (the model reads it as the call's result), and a body over MAX_REQUEST_BYTES is a
 * JSON-RPC error the client relates to the call (not a transport failure), naming the cap and the remedy.
 * Nothing is written in either case.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestKey, type TestKey } from "../../support/keys";
import { errorCodeOf, textOf } from "../../support/mcp-client";
import { CLIENT_MODES, type ClientMode, connectMode } from "../../support/protocol-clients";
import { mintToken } from "../../support/tokens";
import { makeEnv } from "../../support/worker";

const TENANT = "sizes";
const MiB = 1024 * 1024;
let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("sizes");
});

async function connect(mode: ClientMode) {
  const token = await mintToken({ key, claims: { sub: TENANT, scope: "files:read files:write" } });
  return connectMode(mode, makeEnv(key), token);
}

async function stored(path: string): Promise<boolean> {
  return (await env.FILES.head(`files/${TENANT}/${path}`)) !== null;
}

describe.each(CLIENT_MODES)("size errors with %s", (mode) => {
  it("a 5 MiB write_file is a tool error naming append_file, and nothing is written", async () => {
    const client = await connect(mode);
    const path = `five-${mode}.txt`;
    const result = await client.callTool("write_file", { path, content: "a".repeat(5 * MiB) });
    expect(result.isError).toBe(true);
    expect(errorCodeOf(result)).toBe("too_large");
    expect(textOf(result)).toMatch(/at most 4 MiB.*Nothing was written.*write_file with the first part.*append_file/);
    expect(await stored(path)).toBe(false);
    await client.close();
  }, 60_000);

  it("a 5 MiB append_file says to split it into parts", async () => {
    const client = await connect(mode);
    const result = await client.callTool("append_file", { path: `app-${mode}.txt`, content: "a".repeat(5 * MiB) });
    expect(errorCodeOf(result)).toBe("too_large");
    expect(textOf(result)).toMatch(/Nothing was appended.*parts of at most 4 MiB.*append_file once per part/);
    await client.close();
  }, 60_000);
});

describe.each(["sdk-1.x", "v2-pinned-2026-07-28"] as const)("a body over MAX_REQUEST_BYTES with %s", (mode) => {
  it("is an error of that call naming the cap and append_file, not a transport failure", async () => {
    const client = await connect(mode);
    const path = `seven-${mode}.txt`;
    const refused = await client.callTool("write_file", { path, content: "b".repeat(7 * MiB) }).then(
      () => undefined,
      (error: unknown) => error as { code?: unknown; message?: string },
    );
    expect(refused?.code).toBe(-32000);
    expect(refused?.message).toMatch(/at most 6 MiB per request.*nothing was run.*append_file/);
    expect(client.exchanges.at(-1)?.status).toBe(200);
    expect(await stored(path)).toBe(false);
    await client.close();
  }, 60_000);
});
