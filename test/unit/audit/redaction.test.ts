/** No secret-shaped value survives the redaction pass, at any depth, in any field. */
import { describe, expect, it } from "vitest";
import { toOcsfEvent } from "../../../src/audit/ocsf-mapping";
import { REDACTED, redactEvent, redactString } from "../../../src/audit/redaction";
import { GOLDEN_CASES } from "./fixtures";

const JWT = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc2NDQ5MDAwMH0.MEUCIQDx3Ap1Xq0H9kQ2bVq5";
// secretlint-disable -- deliberately fake secrets, to prove the redaction pass masks them (docs/ci.md)
const SECRETS = [
  JWT,
  "r2mcp_0123456789abcdef_S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tXY",
  "Bearer abcdefghijklmnopqrstuvwxyz012345",
  "Basic YWxhZGRpbjpvcGVuc2VzYW1lMTIzNDU2",
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----",
  "AKIAIOSFODNN7EXAMPLE",
  "sk_live_51HxYzAbCdEfGhIjKlMn",
  "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
  "xoxb-123456789012-abcdefghijkl",
  "q7Zk2Lm9Xp4Rt8Vw1Ny6Bc3Df5Gh0Js2Ka", // 34 random base64url characters
];
// secretlint-enable

describe("redaction", () => {
  it.each(SECRETS)("masks %s wherever it appears in a string", (secret) => {
    const masked = redactString(`before ${secret} after`);
    expect(masked).not.toContain(secret);
    expect(masked).toContain(REDACTED);
  });

  it.each(SECRETS)("masks %s every time: a string once seen is remembered only if it was clean", (secret) => {
    for (let i = 0; i < 3; i++) {
      expect(redactString(secret)).not.toContain(secret);
      expect(redactEvent({ note: secret, nested: { note: secret } })).not.toMatchObject({ note: secret });
    }
  });

  it("keeps masking after the per-isolate memory of clean strings has filled and started over", () => {
    for (let i = 0; i < 10_000; i++) expect(redactString(`bench/file-${i}.txt`)).toBe(`bench/file-${i}.txt`);
    for (const secret of SECRETS) expect(redactString(`path/${secret}`)).not.toContain(secret);
    // A long clean string is not remembered (bounded memory), and still comes back whole.
    const long = "a/".repeat(400);
    expect(redactString(long)).toBe(long);
    expect(redactString(long)).toBe(long);
  });

  it("drops credential- and content-named fields at any depth", () => {
    const clean = redactEvent({
      a: { authorization: "x", Cookie: "y", nested: { refresh_token: "z", apiKey: "k", content: "file text" } },
      signature: "s",
      data: "d",
      keep: "visible",
    });
    expect(clean).toEqual({ a: { nested: {} }, keep: "visible" });
  });

  it("keeps evidence: paths, hex hashes, uuids, trace ids, rule ids, OCSF authorizations", () => {
    const evidence = {
      path: "/reports/2026/q3-summary.final.md",
      etag: "9b2cf535f27731c974343645a3985328",
      sha: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      uid: "5b0f5d4e-6f1a-4c7e-9d2b-1f2e3d4c5b6a",
      trace: "4bf92f3577b34da6a3ce929d0e0e4736",
      authorizations: [{ decision: "allowed", policy: { uid: "scope:files:read" } }],
      detail: "Token guessing from one address",
    };
    expect(redactEvent(evidence)).toEqual(evidence);
  });

  it("leaves no secret in a whole event whose every string field was poisoned", () => {
    const poisoned = JSON.parse(
      JSON.stringify(toOcsfEvent(GOLDEN_CASES["file-download"])).replace(
        /"([^"]*)"(?=[,}\]])/g,
        (_match, value: string) => `"${value} ${JSON.stringify(SECRETS[value.length % SECRETS.length]).slice(1, -1)}"`,
      ),
    ) as Record<string, unknown>;
    const text = JSON.stringify(redactEvent(poisoned));
    for (const secret of SECRETS) expect(text).not.toContain(secret.slice(0, 24));
    expect(text).toContain("/payroll/2026-11.csv");
  });

  it("caps long strings so no field carries a file's worth of text", () => {
    const long = "a".repeat(5000);
    expect(redactString(long).length).toBeLessThanOrEqual(1025);
  });
});
