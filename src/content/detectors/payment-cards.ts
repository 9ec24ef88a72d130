/**
 * Payment card numbers (PAN): 13-19 digits, contiguous or in the groups cards are printed in (4-4-4-4,
 * 4-6-5, 4-4-4-4-3) with one kind of separator, a valid Luhn check digit, and a prefix and length an
 * issuer actually uses (Visa, Mastercard, American Express, Discover, JCB, Diners Club, UnionPay).
 * Luhn alone passes one random number in ten; the issuer table and the grouping rule cut that further.
 */
import { luhnValid } from "../checksums";
import type { Detector } from "../finding";

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
  { test: (d) => between(d, 3, 300, 305) || d.startsWith("36") || d.startsWith("38") || d.startsWith("39"), lengths: [14, 15, 16, 17, 18, 19] }, // Diners Club
  { test: (d) => d.startsWith("62"), lengths: [16, 17, 18, 19] }, // UnionPay
];

export function issuerValid(digits: string): boolean {
  return ISSUERS.some((issuer) => issuer.lengths.includes(digits.length) && issuer.test(digits));
}

const GROUPINGS = new Set(["4-4-4-4", "4-6-5", "4-6-4", "4-4-4-4-3", "4-4-4-1", "4-4-4-2", "4-4-4-3", "4-4-5", "4-4-4-4-1", "4-4-4-4-2"]);

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
  trigger: /(?<![\w.,+-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-]|[.,]\d)/g,
  check(_context, start, candidate, emit) {
    const digits = candidate.replace(/[ -]/g, "");
    if (groupingValid(candidate) && issuerValid(digits) && luhnValid(digits)) {
      emit({ detector: "payment-card", category: "pii", start, end: start + candidate.length });
    }
    return undefined;
  },
};
