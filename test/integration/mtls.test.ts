/**
 * Mutual TLS and certificate-bound credentials (RFC 8705) through the real Worker. Cloudflare's edge
 * result is simulated with `cf.tlsClientAuth` on the test request, as the edge would set it.
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
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, toolCall } from "../support/worker";

let signing: TestKey;
const CERT_A = "a1".repeat(32);
const CERT_B = "b2".repeat(32);
const x5tOf = (hex: string) => base64url.encode(Uint8Array.from(hex.match(/../g)!.map((byte) => parseInt(byte, 16))));

type Cert = { verified?: string; revoked?: "0" | "1"; fingerprint?: string } | "none";

function tlsClientAuth(cert: Cert): Record<string, string> {
  if (cert === "none") return { certPresented: "0", certVerified: "NONE", certRevoked: "0", certFingerprintSHA256: "" };
  return {
    certPresented: "1",
    certVerified: cert.verified ?? "SUCCESS",
    certRevoked: cert.revoked ?? "0",
    certFingerprintSHA256: cert.fingerprint ?? CERT_A,
  };
}

async function call(target: Env, credential: string, cert: Cert) {
  const logs = captureLogs();
  try {
    const request = new Request(AUDIENCE, {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${credential}` },
      body: JSON.stringify(toolCall("list_directory", { path: "/" })),
      cf: { tlsClientAuth: tlsClientAuth(cert) },
    });
    const response = await callWorker(target, request);
    const security = logs.records().filter((record) => record.kind === "security");
    return { status: response.status, challenge: response.headers.get("www-authenticate"), security };
  } finally {
    logs.restore();
  }
}

function expectRefused(result: Awaited<ReturnType<typeof call>>, reason: AuthFailureReason): void {
  expect(result.status).toBe(401);
  expect(result.challenge).toContain('error="invalid_token"');
  expect(result.security).toEqual([expect.objectContaining({ type: "auth_failure", reason })]);
}

const unbound = () => mintToken({ key: signing, claims: { sub: "mtls-user" } });
const boundTo = (hex: string) =>
  mintToken({ key: signing, claims: { sub: "mtls-user", cnf: { "x5t#S256": x5tOf(hex) } } });

beforeAll(async () => {
  signing = await createTestKey("mtls");
});

describe("MTLS_MODE=off (default)", () => {
  it("asks nothing of unbound credentials, with or without a certificate", async () => {
    const target = makeEnv(signing);
    expect((await call(target, await unbound(), "none")).status).toBe(200);
    expect((await call(target, await unbound(), { verified: "FAILED" })).status).toBe(200);
  });

  it("still holds a certificate-bound token to its certificate", async () => {
    const target = makeEnv(signing);
    expectRefused(await call(target, await boundTo(CERT_A), "none"), "client_certificate_missing");
    expectRefused(await call(target, await boundTo(CERT_A), { fingerprint: CERT_B }), "certificate_binding_mismatch");
    expectRefused(
      await call(target, await boundTo(CERT_A), { verified: "FAILED:certificate has expired" }),
      "client_certificate_unverified",
    );
    expectRefused(await call(target, await boundTo(CERT_A), { revoked: "1" }), "client_certificate_revoked");
    expect((await call(target, await boundTo(CERT_A), { fingerprint: CERT_A })).status).toBe(200);
  });

  it("refuses a fingerprint list that would do nothing (503 naming the variable)", async () => {
    const target = makeEnv(signing, { MTLS_CERT_FINGERPRINTS: CERT_A });
    const response = await callWorker(target, "/healthz");
    expect(await response.json()).toEqual({ status: "misconfigured", variable: "MTLS_CERT_FINGERPRINTS" });
  });
});

describe("MTLS_MODE=required", () => {
  it("needs a verified, unrevoked certificate on every request", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "required" });
    expectRefused(await call(target, await unbound(), "none"), "client_certificate_missing");
    expectRefused(
      await call(target, await unbound(), { verified: "FAILED:self signed certificate" }),
      "client_certificate_unverified",
    );
    expectRefused(await call(target, await unbound(), { revoked: "1" }), "client_certificate_revoked");
    expect((await call(target, await unbound(), { fingerprint: CERT_B })).status).toBe(200);
  });

  it("with MTLS_CERT_FINGERPRINTS, only listed certificates pass", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "required", MTLS_CERT_FINGERPRINTS: `${CERT_A.toUpperCase()}` });
    expectRefused(await call(target, await unbound(), { fingerprint: CERT_B }), "client_certificate_not_allowed");
    expect((await call(target, await unbound(), { fingerprint: CERT_A })).status).toBe(200);
  });

  it("an API key bound with --cert needs exactly its certificate", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "required" });
    const { key } = await createKey(env.API_KEYS as KVNamespace, { subject: "svc", certificateThumbprint: CERT_A });
    expectRefused(await call(target, key, { fingerprint: CERT_B }), "certificate_binding_mismatch");
    expect((await call(target, key, { fingerprint: CERT_A })).status).toBe(200);
  });
});

describe("MTLS_MODE=bound", () => {
  it("needs a certificate only for bound credentials, but refuses a bad one that is shown", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "bound" });
    expect((await call(target, await unbound(), "none")).status).toBe(200);
    expectRefused(await call(target, await unbound(), { verified: "FAILED" }), "client_certificate_unverified");
    expectRefused(await call(target, await boundTo(CERT_A), "none"), "client_certificate_missing");
    expect((await call(target, await boundTo(CERT_A), { fingerprint: CERT_A })).status).toBe(200);
  });

  it("an API key bound with --cert: wrong certificate 401, its own certificate 200", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "bound" });
    const { key } = await createKey(env.API_KEYS as KVNamespace, { subject: "svc2", certificateThumbprint: CERT_B });
    expectRefused(await call(target, key, "none"), "client_certificate_missing");
    expectRefused(await call(target, key, { fingerprint: CERT_A }), "certificate_binding_mismatch");
    expect((await call(target, key, { fingerprint: CERT_B })).status).toBe(200);
  });
});

describe("a real MCP client over mutual TLS", () => {
  it("lists and writes with a certificate-bound token", async () => {
    const target = makeEnv(signing, { MTLS_MODE: "required" });
    const token = await boundTo(CERT_A);
    const client = new Client(
      { name: "mtls-agent", version: "1.0.0" },
      { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
    );
    const transport = new StreamableHTTPClientTransport(new URL(AUDIENCE), {
      // What the edge adds for a client that completed the TLS handshake with certificate A.
      fetch: (url, init) => callWorker(target, new Request(url, { ...init, cf: { tlsClientAuth: tlsClientAuth({}) } })),
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    const result = await client.callTool({ name: "write_file", arguments: { path: "mtls.txt", content: "bound" } });
    expect(result.isError).toBeFalsy();
    expect(await (await env.FILES.get("files/mtls-user/mtls.txt"))?.text()).toBe("bound");
    await client.close();
  });
});
