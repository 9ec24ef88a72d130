import { describe, expect, it } from "vitest";
import { parseSandboxPath } from "../../src/sandbox/sandbox-path";
import { createTenantKeys } from "../../src/sandbox/storage-keys";
import {
  encodeTenantId,
  isValidTenantId,
  MAX_TENANT_ID_BYTES,
  TenantIdRefusedError,
} from "../../src/sandbox/tenant-prefix";

const HOSTILE = [
  "../bob",
  "a/b",
  "alice/",
  "/",
  "..",
  ".",
  "al\u0000ice",
  "\u0430lice",
  "alice",
  "Alice",
  "t1",
  "t10",
  "~2F",
  "a~b",
  "a.b",
  "e\u0301",
  "\u00e9",
  "user@example.com",
  "a b",
  "%2F",
];

describe("tenant prefix encoding", () => {
  it("never produces '/' or '.' from any claim value", () => {
    for (const tenant of HOSTILE) {
      const encoded = encodeTenantId(tenant);
      expect(encoded, tenant).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(encoded).not.toContain("/");
      expect(encoded).not.toContain(".");
    }
  });

  it("keeps plain ids readable and escapes everything else", () => {
    expect(encodeTenantId("alice")).toBe("alice");
    expect(encodeTenantId("../bob")).toBe("~2E~2E~2Fbob");
    expect(encodeTenantId("a~b")).toBe("a~7Eb");
    expect(encodeTenantId("\u0430lice")).toBe("~D0~B0lice");
  });

  it("is injective: distinct ids (incl. look-alikes and unnormalized forms) never share a prefix", () => {
    const encoded = HOSTILE.map(encodeTenantId);
    expect(new Set(encoded).size).toBe(HOSTILE.length);
  });

  it("no tenant's key prefix is a prefix of another's (t1 vs t10)", () => {
    const prefixes = HOSTILE.map((tenant) => createTenantKeys(tenant).filesPrefix);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${a} / ${b}`).toBe(false);
    const t1 = createTenantKeys("t1");
    const t10 = createTenantKeys("t10");
    expect(t10.fileKey(parseSandboxPath("x", "p")).startsWith(t1.filesPrefix)).toBe(false);
    expect(t1.filesPrefix).toBe("files/t1/");
  });

  it("keeps files and trash under separate top-level prefixes", () => {
    const keys = createTenantKeys("alice");
    const path = parseSandboxPath("a/b.txt", "p");
    expect(keys.fileKey(path)).toBe("files/alice/a/b.txt");
    expect(keys.directoryPrefix(path)).toBe("files/alice/a/b.txt/");
    expect(keys.directoryPrefix(parseSandboxPath("/", "p"))).toBe("files/alice/");
    expect(keys.trashKey("abc-123", path)).toBe("trash/alice/abc-123/a/b.txt");
    expect(() => keys.trashKey("../x", path)).toThrow(TypeError);
  });

  it("refuses empty, ill-formed and oversized ids", () => {
    expect(isValidTenantId("")).toBe(false);
    expect(isValidTenantId("\ud800")).toBe(false);
    expect(isValidTenantId("a".repeat(MAX_TENANT_ID_BYTES))).toBe(true);
    expect(isValidTenantId("a".repeat(MAX_TENANT_ID_BYTES + 1))).toBe(false);
    expect(() => encodeTenantId("")).toThrow(TenantIdRefusedError);
  });
});
