/**
 * Properties of the tenant folder encoding (invariant 1, docs/architecture.md), over arbitrary
 * well-formed claim values: the encoding is injective, its output holds no `/` or `.`, and no tenant's
 * key prefix (files or trash) is a prefix of another tenant's, so a listing of one never sees the other.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createTenantKeys } from "../../src/sandbox/storage-keys";
import { encodeTenantId, isValidTenantId } from "../../src/sandbox/tenant-prefix";

const tenant = fc
  .oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
    fc.stringMatching(/^[A-Za-z0-9_~.%-]{1,12}$/),
    fc.constantFrom("t1", "t10", "t1/", "t1~", "~", "~2F", "a/b", "../bob", ".", "é", "e\u0301", "\u0430"),
  )
  .filter(isValidTenantId);

describe("tenant encoding properties", () => {
  it("keeps only A-Z a-z 0-9 _ - and ~XX escapes: no '/', no '.'", () => {
    fc.assert(
      fc.property(tenant, (id) => {
        expect(encodeTenantId(id)).toMatch(/^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is injective, and no tenant's prefix is a prefix of another's", () => {
    fc.assert(
      fc.property(tenant, tenant, (a, b) => {
        fc.pre(a !== b);
        expect(encodeTenantId(a)).not.toBe(encodeTenantId(b));
        const ka = createTenantKeys(a);
        const kb = createTenantKeys(b);
        for (const [pa, pb] of [
          [ka.filesPrefix, kb.filesPrefix],
          [ka.trashPrefix, kb.trashPrefix],
        ] as const) {
          expect(pb.startsWith(pa)).toBe(false);
          expect(pa.startsWith(pb)).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("decodes back to the claim value (so distinct claims can never share a folder)", () => {
    const decode = (encoded: string) =>
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
        Uint8Array.from(encoded.match(/~[0-9A-F]{2}|[^~]/g)!, (t) =>
          t.startsWith("~") ? Number.parseInt(t.slice(1), 16) : t.charCodeAt(0),
        ),
      );
    fc.assert(
      fc.property(tenant, (id) => {
        expect(decode(encodeTenantId(id))).toBe(id);
      }),
      { numRuns: 2_000 },
    );
  });
});
