/**
 * DPoP-bound tokens (RFC 9449, as SEP-1932 profiles it for MCP) through the real Worker: a real SDK client
 * sending a fresh proof per request, and every refusal — replayed jti, wrong htu/htm, stale iat, wrong
 * ath, proof key ≠ cnf.jkt, a bound token sent as Bearer, an unbound token sent as DPoP, broken proofs —
 * with its challenge, its security event, nothing written and no credential echoed.
 * Also REQUIRE_SENDER_CONSTRAINED_TOKENS.
 */
import { env } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { base64url } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthFailureReason } from "../../src/auth/auth-failure";
import type { Env } from "../../src/env";
import { createKey } from "../support/api-keys";
import { createDpopKey, createProof, type DpopKey, type ProofOptions } from "../support/dpop";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, toolCall } from "../support/worker";

const ALGS = 'algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"';
let signing: TestKey;
let dpopKey: DpopKey;
let otherKey: DpopKey;
let workerEnv: Env;

beforeAll(async () => {
  signing = await createTestKey("dpop");
  [dpopKey, otherKey] = await Promise.all([createDpopKey(), createDpopKey()]);
  workerEnv = makeEnv(signing);
});

const boundToken = (key: DpopKey = dpopKey, sub = "dpop-user") =>
  mintToken({ key: signing, claims: { sub, cnf: { jkt: key.jkt } } });

interface Sent {
  readonly scheme?: "DPoP" | "Bearer";
  readonly token: string;
  readonly proofs?: string[];
  readonly call?: unknown;
  readonly target?: Env;
  readonly url?: string;
}

async function send(sent: Sent) {
  const logs = captureLogs();
  try {
    const headers = new Headers({ ...MCP_HEADERS, authorization: `${sent.scheme ?? "DPoP"} ${sent.token}` });
    for (const proof of sent.proofs ?? []) headers.append("dpop", proof);
    const response = await callWorker(
      sent.target ?? workerEnv,
      new Request(sent.url ?? AUDIENCE, {
        method: "POST",
        headers,
        body: JSON.stringify(sent.call ?? toolCall("write_file", { path: "dpop.txt", content: "x" })),
      }),
    );
    const body = await response.text();
    for (const text of [body, ...logs.lines]) {
      expect(text.includes(sent.token)).toBe(false);
      for (const proof of sent.proofs ?? []) expect(text.includes(proof)).toBe(false);
    }
    const records = logs.records();
    return {
      status: response.status,
      body,
      challenge: response.headers.get("www-authenticate"),
      security: records.filter((record) => record.kind === "security"),
    };
  } finally {
    logs.restore();
  }
}

const proofFor = (token: string, options: Partial<ProofOptions> = {}) =>
  createProof({ key: dpopKey, htu: AUDIENCE, accessToken: token, ...options });

async function expectRefused(
  result: Awaited<ReturnType<typeof send>>,
  reason: AuthFailureReason,
  challenge: string,
): Promise<void> {
  expect(result.status, result.body).toBe(401);
  expect(result.challenge).toBe(challenge);
  expect(result.security).toEqual([expect.objectContaining({ type: "auth_failure", reason })]);
  expect(await env.FILES.head("files/dpop-user/dpop.txt")).toBeNull();
}

const BEARER =
  'Bearer scope="files:read files:write", resource_metadata="https://files.example.test/.well-known/oauth-protected-resource/mcp"';
const BEARER_INVALID_TOKEN =
  'Bearer error="invalid_token", scope="files:read files:write", resource_metadata="https://files.example.test/.well-known/oauth-protected-resource/mcp"';
const proofRefusal = `${BEARER}, DPoP error="invalid_dpop_proof", ${ALGS}`;
const tokenRefusalOnDpop = `${BEARER}, DPoP error="invalid_token", ${ALGS}`;

describe("DPoP proofs", () => {
  it("a real MCP client with a fresh proof per request", async () => {
    const token = await boundToken(dpopKey, "dpop-client");
    const client = new Client(
      { name: "dpop-agent", version: "1.0.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    const transport = new StreamableHTTPClientTransport(new URL(AUDIENCE), {
      fetch: async (url, init) => {
        const request = new Request(url, init);
        request.headers.set("authorization", `DPoP ${token}`);
        request.headers.set("dpop", await proofFor(token, { htm: request.method, htu: request.url }));
        return callWorker(workerEnv, request);
      },
    });
    await client.connect(transport);
    const written = await client.callTool({ name: "write_file", arguments: { path: "bound.txt", content: "dpop" } });
    expect(written.isError).toBeFalsy();
    expect(await (await env.FILES.get("files/dpop-client/bound.txt"))?.text()).toBe("dpop");
    await client.close();
  });

  it("a replayed proof (same jti) is refused", async () => {
    const token = await boundToken();
    const proof = await proofFor(token);
    const first = await send({ token, proofs: [proof], call: toolCall("list_directory", { path: "/" }) });
    expect(first.status).toBe(200);
    await expectRefused(await send({ token, proofs: [proof] }), "dpop_proof_replayed", proofRefusal);
  });

  it.each<[string, Partial<ProofOptions>, AuthFailureReason]>([
    ["wrong htu", { htu: "https://files.example.test/other" }, "dpop_url_mismatch"],
    ["htu of another host", { htu: "https://evil.example.test/mcp" }, "dpop_url_mismatch"],
    ["wrong htm", { htm: "GET" }, "dpop_method_mismatch"],
    ["stale iat", { iat: Math.floor(Date.now() / 1000) - 600 }, "dpop_proof_stale"],
    ["iat in the future", { iat: Math.floor(Date.now() / 1000) + 600 }, "dpop_proof_stale"],
    ["wrong ath", { accessToken: "another-token" }, "dpop_token_hash_mismatch"],
    ["no ath", { omit: ["ath"] }, "dpop_token_hash_mismatch"],
    ["no jti", { omit: ["jti"] }, "dpop_proof_malformed"],
    ["typ JWT", { header: { typ: "JWT" } }, "dpop_proof_invalid"],
    ["no jwk", { header: { jwk: undefined } }, "dpop_proof_invalid"],
  ])("%s", async (_name, options, reason) => {
    const token = await boundToken();
    await expectRefused(await send({ token, proofs: [await proofFor(token, options)] }), reason, proofRefusal);
  });

  it("a proof signed by a key other than cnf.jkt", async () => {
    const token = await boundToken();
    const proof = await createProof({ key: otherKey, htu: AUDIENCE, accessToken: token });
    await expectRefused(await send({ token, proofs: [proof] }), "dpop_key_mismatch", proofRefusal);
  });

  it("a proof whose jwk holds the private key, or whose header names another key than it is signed with", async () => {
    const token = await boundToken();
    const withPrivate = await proofFor(token, {
      header: { jwk: { ...dpopKey.publicJwk, d: base64url.encode(new Uint8Array(32)) } },
    });
    await expectRefused(await send({ token, proofs: [withPrivate] }), "dpop_proof_invalid", proofRefusal);
    const swapped = await proofFor(token, { header: { jwk: otherKey.publicJwk } });
    await expectRefused(await send({ token, proofs: [swapped] }), "dpop_proof_invalid", proofRefusal);
  });

  it("no proof, or two", async () => {
    const token = await boundToken();
    await expectRefused(await send({ token }), "dpop_proof_missing", proofRefusal);
    const proofs = [await proofFor(token), await proofFor(token)];
    await expectRefused(await send({ token, proofs }), "dpop_proof_malformed", proofRefusal);
  });
});

describe("which scheme a token may use", () => {
  it("a DPoP-bound token sent as Bearer is refused, even with a valid proof (no downgrade)", async () => {
    const token = await boundToken();
    const result = await send({ scheme: "Bearer", token, proofs: [await proofFor(token)] });
    await expectRefused(result, "dpop_bound_token_as_bearer", `${BEARER_INVALID_TOKEN}, DPoP ${ALGS}`);
  });

  it("an unbound token sent with the DPoP scheme is refused", async () => {
    const token = await mintToken({ key: signing, claims: { sub: "dpop-user" } });
    await expectRefused(
      await send({ token, proofs: [await proofFor(token)] }),
      "dpop_token_not_bound",
      tokenRefusalOnDpop,
    );
  });

  it("an API key sent with the DPoP scheme is refused", async () => {
    const { key } = await createKey(env.API_KEYS as KVNamespace, { subject: "dpop-user" });
    await expectRefused(
      await send({ token: key, proofs: [await proofFor(key)] }),
      "dpop_token_not_bound",
      tokenRefusalOnDpop,
    );
  });

  it("every 401 advertises DPoP beside Bearer, and the metadata lists the proof algorithms", async () => {
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: MCP_HEADERS,
      body: JSON.stringify(toolCall("list_directory", { path: "/" })),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(`${BEARER}, DPoP ${ALGS}`);
  });
});

describe("REQUIRE_SENDER_CONSTRAINED_TOKENS=true", () => {
  it("refuses unbound JWTs and accepts DPoP-bound and certificate-bound ones; API keys are unaffected", async () => {
    const target = makeEnv(signing, { REQUIRE_SENDER_CONSTRAINED_TOKENS: "true" });
    const call = toolCall("list_directory", { path: "/" });
    const unbound = await mintToken({ key: signing, claims: { sub: "dpop-user" } });
    await expectRefused(
      await send({ scheme: "Bearer", token: unbound, target, call }),
      "sender_constraint_required",
      `${BEARER_INVALID_TOKEN}, DPoP ${ALGS}`,
    );
    const bound = await boundToken();
    expect((await send({ token: bound, proofs: [await proofFor(bound)], target, call })).status).toBe(200);

    const fingerprint = "c3".repeat(32);
    const x5t = base64url.encode(Uint8Array.from(fingerprint.match(/../g)!.map((byte) => parseInt(byte, 16))));
    const certBound = await mintToken({ key: signing, claims: { sub: "dpop-user", cnf: { "x5t#S256": x5t } } });
    const request = new Request(AUDIENCE, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${certBound}` },
      body: JSON.stringify(call),
      cf: {
        tlsClientAuth: {
          certPresented: "1",
          certVerified: "SUCCESS",
          certRevoked: "0",
          certFingerprintSHA256: fingerprint,
        },
      },
    });
    expect((await callWorker(target, request)).status).toBe(200);

    const { key } = await createKey(env.API_KEYS as KVNamespace, { subject: "dpop-user" });
    expect((await send({ scheme: "Bearer", token: key, target, call })).status).toBe(200);
  });
});
