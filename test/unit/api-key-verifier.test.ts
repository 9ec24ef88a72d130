/** The API key verifier as a pure function of a record store and an injected clock. */
import { describe, expect, it } from "vitest";
import {
  type ApiKeyRecord,
  createApiKeyRecord,
  parseApiKey,
  randomToken,
  revokeApiKeyRecord,
  rotateApiKeyRecord,
} from "../../src/auth/api-key-record";
import { ApiKeyStoreUnavailableError, createApiKeyVerifier } from "../../src/auth/api-key-verifier";
import { constantTimeEqual } from "../../src/auth/constant-time";

const T0 = 1_800_000_000;
const at = (seconds: number) => new Date(seconds * 1000);

function storeOf(records: ApiKeyRecord[]) {
  const byId = new Map(records.map((record) => [record.keyId, record]));
  return { get: async (keyId: string) => byId.get(keyId) ?? null };
}

const verifierFor = (records: ApiKeyRecord[], revoked: string[] = [], roles: string[] = ["deployer"]) =>
  createApiKeyVerifier(storeOf(records), { revokedKeyIds: new Set(revoked), declaredRoles: new Set(roles) });

describe("API key format", () => {
  it("generates keys of the documented shape from the whole alphabet", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) for (const char of randomToken(40)) seen.add(char);
    expect(seen.size).toBeGreaterThan(55);
    expect(parseApiKey(`r2mcp_${"a".repeat(16)}_${"b".repeat(32)}`)).toEqual({
      keyId: "a".repeat(16),
      secret: "b".repeat(32),
    });
    for (const bad of [
      `r2mcp_${"a".repeat(15)}_${"b".repeat(32)}`,
      `r2mcp_${"a".repeat(16)}_${"b".repeat(31)}`,
      `r2mcp_${"a".repeat(16)}_${"b".repeat(129)}`,
      `r2mcp_${"a".repeat(16)}_${"b".repeat(31)}-`,
      `R2MCP_${"a".repeat(16)}_${"b".repeat(32)}`,
    ]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });

  it("compares in constant time, and only equal strings are equal", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
  });
});

describe("API key verifier", () => {
  it("refuses a role key whose role the access policy does not declare (nothing would narrow its scopes)", async () => {
    const { key, record } = await createApiKeyRecord(
      { tenant: "acme", subject: "ci", scopes: ["files:read", "files:write", "files:delete"], role: "viewer" },
      T0,
    );
    expect(await verifierFor([record], [], []).verify(key, at(T0 + 1))).toEqual({
      ok: false,
      reason: "api_key_role_undeclared",
    });
    expect(await verifierFor([record], [], ["editor"]).verify(key, at(T0 + 1))).toEqual({
      ok: false,
      reason: "api_key_role_undeclared",
    });
    expect((await verifierFor([record], [], ["viewer"]).verify(key, at(T0 + 1))).ok).toBe(true);
  });

  it("accepts a live key and builds the Principal from the record", async () => {
    const { key, record } = await createApiKeyRecord(
      { tenant: "acme", subject: "ci", scopes: ["files:read"], role: "deployer" },
      T0,
    );
    const result = await verifierFor([record]).verify(key, at(T0 + 1));
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({
        subject: "ci",
        tenant: "acme",
        credentialKind: "api_key",
        keyId: record.keyId,
        roles: ["deployer"],
        expiresAt: Number.POSITIVE_INFINITY,
      }),
    });
    if (result.ok) expect([...result.value.scopes]).toEqual(["files:read"]);
  });

  it("expires exactly at expiresAt", async () => {
    const { key, record } = await createApiKeyRecord(
      { tenant: "t", subject: "s", scopes: [], expiresInSeconds: 100 },
      T0,
    );
    expect((await verifierFor([record]).verify(key, at(T0 + 99))).ok).toBe(true);
    expect(await verifierFor([record]).verify(key, at(T0 + 100))).toEqual({ ok: false, reason: "api_key_expired" });
  });

  it("keeps the previous secret for the grace period only", async () => {
    const { key: old, record } = await createApiKeyRecord({ tenant: "t", subject: "s", scopes: [] }, T0);
    const { key: next, record: rotated } = await rotateApiKeyRecord(record, 60, T0 + 10);
    const verifier = verifierFor([rotated]);
    expect((await verifier.verify(old, at(T0 + 69))).ok).toBe(true);
    expect(await verifier.verify(old, at(T0 + 70))).toEqual({ ok: false, reason: "api_key_rotated" });
    expect((await verifier.verify(next, at(T0 + 10_000))).ok).toBe(true);
  });

  it("checks the secret before saying revoked, and honours the deployment's revocation list", async () => {
    const { key, record } = await createApiKeyRecord({ tenant: "t", subject: "s", scopes: [] }, T0);
    const revoked = revokeApiKeyRecord(record, T0 + 5);
    const wrong = `r2mcp_${record.keyId}_${"q".repeat(40)}`;
    expect(await verifierFor([revoked]).verify(wrong, at(T0 + 6))).toEqual({
      ok: false,
      reason: "api_key_secret_mismatch",
    });
    expect(await verifierFor([revoked]).verify(key, at(T0 + 6))).toEqual({ ok: false, reason: "api_key_revoked" });
    expect(await verifierFor([record], [record.keyId]).verify(key, at(T0))).toEqual({
      ok: false,
      reason: "api_key_revoked",
    });
  });

  it("answers an unreachable store as our outage, and a record under another id as corrupt", async () => {
    const { key, record } = await createApiKeyRecord({ tenant: "t", subject: "s", scopes: [] }, T0);
    const down = createApiKeyVerifier(
      {
        get: async () => {
          throw new ApiKeyStoreUnavailableError("down");
        },
      },
      { revokedKeyIds: new Set(), declaredRoles: new Set() },
    );
    expect(await down.verify(key, at(T0))).toEqual({ ok: false, reason: "api_key_store_unavailable" });
    const swapped = createApiKeyVerifier(
      { get: async () => ({ ...record, keyId: "Z".repeat(16) }) },
      { revokedKeyIds: new Set(), declaredRoles: new Set() },
    );
    expect(await swapped.verify(key, at(T0))).toEqual({ ok: false, reason: "api_key_record_invalid" });
  });
});
