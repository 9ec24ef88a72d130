/**
 * Payment card numbers (PAN): 13-19 digits, contiguous or in the groups cards are printed in (4-4-4-4,
 * 4-6-5, 4-4-4-4-3) with one kind of separator, a valid Luhn check digit, and a prefix and length an
 * issuer actually uses (Visa, Mastercard, American Express, Discover, JCB, Diners Club, UnionPay).
 * Luhn alone passes one random number in ten; the issuer table and the grouping rule cut that further.
 */
import { luhnValid } from "../checksums";
import type { Detector } from "../finding";
import { NUMBER_RUNS } from "./number-runs";

interface Issuer {
  readonly test: (digits: string) => boolean;
  readonly lengths: readonly number[];
}

const between = (digits: string, width: number, low: number, high: number) => {
  const value = Number(digits.slice(0, width));
  return value >= low && value <= high;
};

const ISSUERS: readonly Issuer[] = [
  { test: (d) => d.startsWith("4"), lengths: [13, 16, 19] }, // Visa
  { test: (d) => between(d, 2, 51, 55) || between(d, 4, 2221, 2720), lengths: [16] }, // Mastercard
  { test: (d) => d.startsWith("34") || d.startsWith("37"), lengths: [15] }, // American Express
  {
    test: (d) => d.startsWith("6011") || d.startsWith("65") || between(d, 3, 644, 649),
    lengths: [16, 17, 18, 19],
  }, // Discover
  { test: (d) => between(d, 4, 3528, 3589), lengths: [16, 17, 18, 19] }, // JCB
  {
    test: (d) => between(d, 3, 300, 305) || d.startsWith("36") || d.startsWith("38") || d.startsWith("39"),
    lengths: [14, 15, 16, 17, 18, 19],
  }, // Diners Club
  { test: (d) => d.startsWith("62"), lengths: [16, 17, 18, 19] }, // UnionPay
];

/** Card networks' published test numbers: in every payment SDK's docs and tests, never anyone's card. */
const TEST_NUMBERS = new Set([
  "4111111111111111",
  "4242424242424242",
  "4012888888881881",
  "4000056655665556",
  "4007000000027",
  "4222222222222",
  "5555555555554444",
  "5105105105105100",
  "5200828282828210",
  "2223003122003222",
  "378282246310005",
  "371449635398431",
  "6011111111111117",
  "6011000990139424",
  "3530111333300000",
  "3566002020360505",
  "30569309025904",
  "38520000023237",
  "6200000000000005",
]);

export function issuerValid(digits: string): boolean {
  return ISSUERS.some((issuer) => issuer.lengths.includes(digits.length) && issuer.test(digits));
}

/** How cards print their number: 16 (and 19) digits in fours, American Express and Diners 4-6-5 / 4-6-4. */
const GROUPINGS = new Set(["4-4-4-4", "4-6-5", "4-6-4", "4-4-4-4-3"]);

function groupingValid(candidate: string): boolean {
  const separators = candidate.replace(/\d/g, "");
  if (separators === "") return true;
  if (!/^( +|-+)$/.test(separators) || /[ -]{2}/.test(candidate)) return false;
  const groups = candidate.split(/[ -]/).map((group) => group.length);
  return GROUPINGS.has(groups.join("-"));
}

export const paymentCard: Detector = {
  ids: ["payment-card"],
  category: "pii",
  trigger: {
    within: NUMBER_RUNS,
    minDigits: 13,
    pattern: /(?<![\w.+-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-]|\.\d)/g,
  },
  check(context, start, candidate, emit) {
    // The account part of an IBAN printed in fours (`DE89 3704 0044 …`) is not a card.
    if (/[A-Z]{2}\d{2} $/.test(context.text.slice(Math.max(0, start - 5), start))) return undefined;
    const digits = candidate.replace(/[ -]/g, "");
    // Eight equal digits in a row: a made-up or test number (4111 1111 1111 1111), not an issued one.
    if (TEST_NUMBERS.has(digits) || /(\d)\1{7}/.test(digits)) return undefined;
    if (groupingValid(candidate) && issuerValid(digits) && luhnValid(digits)) {
      emit({ detector: "payment-card", category: "pii", start, end: start + candidate.length });
    }
    return undefined;
  },
};
