/**
 * The WebAssembly kernel (src/content/byte-runs.wat) finds the runs the region patterns run inside. It
 * reads UTF-8 bytes 16 at a time and reports UTF-16 offsets, so these properties hold it to the plain
 * definition — every maximal run of the region's characters at least `minLength` long with `minDigits`
 * digits, in string offsets — on generated text mixing the regions' characters with 2-, 3- and 4-byte
 * characters and lone surrogates, long enough to cross many blocks, and texts that need more room for
 * runs than the first try gives.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findTextRuns } from "../../../src/content/byte-runs";
import { IBAN_RUNS } from "../../../src/content/detectors/bank-accounts";
import { NUMBER_RUNS } from "../../../src/content/detectors/number-runs";
import type { Region, Run } from "../../../src/content/triggers";

/** The definition, one character at a time. */
function runsByDefinition(text: string, region: Region): Run[] {
  const runs: Run[] = [];
  let start = -1;
  let digits = 0;
  for (let index = 0; index <= text.length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : -1;
    if (code >= 0 && code < 128 && region.chars[code] === 1) {
      if (start === -1) {
        start = index;
        digits = 0;
      }
      if (code >= 48 && code <= 57) digits++;
    } else if (start !== -1) {
      if (index - start >= region.minLength && digits >= region.minDigits) runs.push({ start, end: index, digits });
      start = -1;
    }
  }
  return runs;
}

const PIECES = [
  ...["0", "1", "9", "4111", "555", "078-05-1120", " ", "  ", "-", ".", "(", ")", "+", ",", "\n", "a", "x"],
  ...["DE", "GB", "89", "3704 0044 0532", "WEST", "Q", "AB12CD34EF56GH78"],
  ...["ü", "é", "€", "中", "\u{1F600}", "\uD800", "\uDFFF", "\u00A0", "\u0000"],
];
const texts = (maxLength: number) => fc.array(fc.constantFrom(...PIECES), { maxLength }).map((parts) => parts.join(""));

describe("byte-runs: the kernel's runs equal the definition's", () => {
  it("for both regions, on text with multi-byte characters and lone surrogates", () => {
    fc.assert(
      fc.property(texts(120), (text) => {
        const runs = findTextRuns(text);
        expect(runs.number).toEqual(runsByDefinition(text, NUMBER_RUNS));
        expect(runs.iban).toEqual(runsByDefinition(text, IBAN_RUNS));
      }),
      { numRuns: 3000 },
    );
  });

  it("on long texts, runs crossing block boundaries at every offset", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.nat(40), fc.nat(40), texts(400), (prefix, before, after, body) => {
        const text = `${prefix}${"x".repeat(before)}${"1234 5678 9012".repeat(3)}${"é".repeat(after)}${body}`;
        const runs = findTextRuns(text);
        expect(runs.number).toEqual(runsByDefinition(text, NUMBER_RUNS));
        expect(runs.iban).toEqual(runsByDefinition(text, IBAN_RUNS));
      }),
      { numRuns: 500 },
    );
  });

  it("with more runs than the first try has room for, and a text that is one run", () => {
    const many = "123456789 x".repeat(40_000);
    const runs = findTextRuns(many);
    expect(runs.number).toHaveLength(40_000);
    expect(runs.number).toEqual(runsByDefinition(many, NUMBER_RUNS));
    const one = "4111 ".repeat(200_000);
    expect(findTextRuns(one).number).toEqual([{ start: 0, end: one.length, digits: 800_000 }]);
    expect(findTextRuns("").number).toEqual([]);
    // The limits themselves: 15 IBAN characters with 2 digits is a run, with 1 digit or 14 long not.
    expect(findTextRuns("x ABCDEFGHIJKLM12 x").iban).toEqual([{ start: 1, end: 18, digits: 2 }]); // spaces belong
    expect(findTextRuns("x ABCDEFGHIJKLMN1 x").iban).toEqual([]);
    expect(findTextRuns("xABCDEFGHIJKL12x").iban).toEqual([]);
    expect(findTextRuns("x1234567 8x").number).toEqual([]);
    expect(findTextRuns("x123456789x").number).toEqual([{ start: 1, end: 10, digits: 9 }]);
  });

  it("a smaller text after a larger one sees none of the larger one's bytes", () => {
    findTextRuns("9".repeat(5000));
    expect(findTextRuns("12345678")).toEqual({ number: [], iban: [] });
  });
});
