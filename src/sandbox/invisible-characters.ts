/**
 * Characters that change how a name looks without being seen: bidi controls and isolates (U+202A–U+202E,
 * U+2066–U+2069, U+200E/F, U+061C), zero-width characters (U+200B–U+200D, U+2060, U+FEFF), and every
 * other default-ignorable code point (variation selectors, tags, Hangul fillers, soft hyphen…), plus the
 * remaining format characters (Unicode category Cf) and the line and paragraph separators (U+2028,
 * U+2029). `report\u202Efdp.exe` shows as `reportexe.pdf`; `a\u200Bb` looks like `ab`.
 *
 * New names may not contain them (sandbox-path.ts, `assertCreatableName`); names that already exist
 * stay usable and are shown escaped as `\u{202E}`: uppercase hex, at least four digits, one spelling per
 * code point. A real name never contains `\` (paths refuse it), so an escape can never be mistaken for
 * part of a real name, and an escaped name passed back as a path means the stored name (`unescape`).
 * Only these code points are ever escaped or unescaped; any other `\` is still refused.
 */

const INVISIBLE_SOURCE = "[\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{Zl}\\p{Zp}]";
const INVISIBLE = new RegExp(INVISIBLE_SOURCE, "u");
const INVISIBLE_ALL = new RegExp(INVISIBLE_SOURCE, "gu");
const ESCAPE_ALL = /\\u\{([0-9A-F]{4,6})\}/g;

/** `U+202E`: how a refusal names the character without printing it. */
export function codePointLabel(codePoint: number): string {
  return `U+${hex(codePoint)}`;
}

function hex(codePoint: number): string {
  return codePoint.toString(16).toUpperCase().padStart(4, "0");
}

/** The first invisible code point in `text`, if any. */
export function firstInvisible(text: string): number | undefined {
  const match = INVISIBLE.exec(text);
  return match ? match[0].codePointAt(0) : undefined;
}

/** `report\u202Efdp.exe` → `report\u{202E}fdp.exe`: what a person is shown. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE_ALL, (char) => `\\u{${hex(char.codePointAt(0)!)}}`);
}

/**
 * The inverse for input: exactly the escapes `escapeInvisible` writes become their character again;
 * anything else (`\u{41}`, `\u{0000}`, lowercase hex) is left alone for the backslash rule to refuse.
 */
export function unescapeInvisible(text: string): string {
  if (!text.includes("\\")) return text;
  return text.replace(ESCAPE_ALL, (written, digits: string) => {
    const codePoint = Number.parseInt(digits, 16);
    if (codePoint > 0x10ffff || hex(codePoint) !== digits) return written;
    const char = String.fromCodePoint(codePoint);
    return INVISIBLE.test(char) ? char : written;
  });
}
