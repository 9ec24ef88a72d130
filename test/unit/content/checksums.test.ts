/**
 * `shannonEntropy` reuses one counting table across calls (it runs for thousands of values per file):
 * it must give exactly what a fresh table gives, to the last bit (the assignment detector compares it
 * with a threshold), call after call, with non-ASCII characters in the mix.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shannonEntropy } from "../../../src/content/checksums";

/** The definition, with a fresh table per call: counts in code order, then the rest in first-seen order. */
function freshTableEntropy(text: string): number {
  if (text.length === 0) return 0;
  const ascii = new Uint32Array(128);
  const other = new Map<number, number>();
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 128) ascii[code]!++;
    else other.set(code, (other.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  for (const count of [...ascii.filter((count) => count > 0), ...other.values()]) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

describe("shannonEntropy", () => {
  it("equals the fresh-table definition bit for bit, over sequences of calls", () => {
    const texts = fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 40 })), {
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(texts, (sequence) => {
        for (const text of sequence) expect(Object.is(shannonEntropy(text), freshTableEntropy(text))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("is 0 for nothing and for one repeated character, and log2(n) for n distinct ones", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
    expect(shannonEntropy("ab€😀")).toBe(2.321928094887362);
  });
});
