/**
 * International Bank Account Numbers (ISO 13616): a country code, two check digits and the country's
 * fixed-length account part, contiguous or printed in groups of four, that pass the mod-97 check. The
 * length table is the IBAN registry's (SWIFT); a country not in it is not an IBAN.
 */
import { ibanChecksumValid } from "../checksums";
import type { Detector } from "../finding";
import type { Region } from "../triggers";
import { charClass } from "./char-classes";

const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  (
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 EE20 " +
    "EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 " +
    "KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 " +
    "PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 " +
    "VA22 VG24 XK20"
  )
    .split(" ")
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
);

/**
 * Where an IBAN can be: runs of capitals, digits and spaces at least 15 long (the shortest IBAN) with
 * the two check digits, found with the number runs in one pass (byte-runs.ts) instead of a regex pass
 * over the whole text.
 */
export const IBAN_RUNS: Region = {
  kind: "iban",
  chars: charClass("A-Z0-9 "),
  minLength: 15,
  minDigits: 2,
  // The pattern's lookbehind reads one character before a match; nothing after it.
  before: 1,
  after: 0,
};

export const iban: Detector = {
  ids: ["iban"],
  category: "pii",
  trigger: { within: IBAN_RUNS, minDigits: 2, pattern: /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}/g },
  check(context, start, matched, emit) {
    const length = IBAN_LENGTHS.get(matched.slice(0, 2));
    if (length === undefined) return undefined;
    const { text } = context;
    // Take exactly the country's length, allowing single spaces only every four characters.
    const spaced = matched[4] === " ";
    let compact = "";
    let index = start;
    while (compact.length < length && index < start + matched.length) {
      const char = text[index]!;
      if (char === " ") {
        if (!spaced || compact.length % 4 !== 0) return undefined;
      } else {
        compact += char;
      }
      index++;
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[index] ?? "")) return undefined;
    if (ibanChecksumValid(compact)) emit({ detector: "iban", category: "pii", start, end: index });
    return index;
  },
};
