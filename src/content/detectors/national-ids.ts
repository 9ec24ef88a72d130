/**
 * US Social Security numbers: `AAA-GG-SSSS` (dashes, or spaces after an "SSN"-like keyword) under the
 * SSA's rules: area not 000, 666 or 900-999, group not 00, serial not 0000, and not one of the numbers
 * published in advertising (078-05-1120, 219-09-9999). Nine bare digits are too often something else to
 * report without a keyword right before them.
 */
import type { Detector } from "../finding";
import { NUMBER_RUNS } from "./number-runs";

const KEYWORD_WINDOW = 24;
const PUBLISHED = new Set(["078051120", "219099999"]);

export function ssnValid(area: string, group: string, serial: string): boolean {
  const areaNumber = Number(area);
  return (
    areaNumber !== 0 &&
    areaNumber !== 666 &&
    areaNumber < 900 &&
    group !== "00" &&
    serial !== "0000" &&
    !PUBLISHED.has(area + group + serial)
  );
}

export const usSsn: Detector = {
  ids: ["us-ssn"],
  category: "pii",
  trigger: {
    within: NUMBER_RUNS,
    minDigits: 9,
    pattern: /(?<![\w.-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-]|[.,]\d)/g,
  },
  check(context, start, matched, emit, groups) {
    const [, area, separator, group, serial] = groups!;
    if (separator !== "-") {
      const before = context.text.slice(Math.max(0, start - KEYWORD_WINDOW), start).toLowerCase();
      if (!/\bssn\b|social security|\bss#|\bsocial\b/.test(before)) return undefined;
    }
    if (ssnValid(area!, group!, serial!)) {
      emit({ detector: "us-ssn", category: "pii", start, end: start + matched.length });
    }
    return undefined;
  },
};
