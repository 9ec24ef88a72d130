/**
 * ASCII character classes as lookup tables, and run scanning over them: the detectors' manual parsing
 * after a trigger, bounded by an explicit maximum so no scan is longer than the window it may look at.
 */

/**
 * A table of the 128 ASCII codes, 1 for a member. A plain array, not a `Uint8Array`: workerd runs V8
 * with its sandbox, where every typed-array element read also decodes the buffer's sandboxed pointer;
 * scanning loops read these tables for every character they pass (a loop over 4 MiB reading one per
 * character: 19 ms with a `Uint8Array`, 15 ms with this, in workerd). Built packed (no holes).
 */
export type CharClass = readonly number[];

export function charClass(ranges: string): CharClass {
  const table = Array.from({ length: 128 }, () => 0);
  for (let index = 0; index < ranges.length; index++) {
    const from = ranges.charCodeAt(index);
    if (ranges[index + 1] === "-" && index + 2 < ranges.length) {
      const to = ranges.charCodeAt(index + 2);
      for (let code = from; code <= to; code++) table[code] = 1;
      index += 2;
    } else {
      table[from] = 1;
    }
  }
  return table;
}

export const ALNUM = charClass("A-Za-z0-9");
export const WORD = charClass("A-Za-z0-9_");
export const BASE64URL = charClass("A-Za-z0-9_-");
export const BASE64 = charClass("A-Za-z0-9+/");
export const DIGIT = charClass("0-9");
export const HEX = charClass("0-9a-f");
export const UPPER_BASE32 = charClass("A-Z2-7");

export function isIn(text: string, index: number, cls: CharClass): boolean {
  const code = text.charCodeAt(index);
  return code < 128 && cls[code] === 1;
}

/** The first index at or after `from` whose character is not in `cls`, looking at most `max` characters. */
export function runEnd(text: string, from: number, cls: CharClass, max: number): number {
  const limit = Math.min(text.length, from + max);
  let index = from;
  while (index < limit) {
    const code = text.charCodeAt(index);
    if (code >= 128 || cls[code] !== 1) break;
    index++;
  }
  return index;
}

/** The first index of the run of `cls` characters ending just before `end`, looking back at most `max`. */
export function runStart(text: string, end: number, cls: CharClass, max: number): number {
  const limit = Math.max(0, end - max);
  let index = end;
  while (index > limit) {
    const code = text.charCodeAt(index - 1);
    if (code >= 128 || cls[code] !== 1) break;
    index--;
  }
  return index;
}

/**
 * Whether `text[start, end)` is `word` (lower-case ASCII), ignoring the case of its letters: what
 * `text.slice(start, end).toLowerCase() === word` says for ASCII, without allocating.
 */
export function equalsIgnoringCase(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length || start < 0) return false;
  for (let index = 0; index < word.length; index++) {
    const code = text.charCodeAt(start + index);
    const expected = word.charCodeAt(index);
    if (code !== expected && !(expected >= 97 && expected <= 122 && code === expected - 32)) return false;
  }
  return true;
}

/** Whether `text[start, end)` is one of `words` (lower-case ASCII), ignoring case (equalsIgnoringCase). */
export function isOneOf(text: string, start: number, end: number, words: readonly string[]): boolean {
  for (const word of words) if (equalsIgnoringCase(text, start, end, word)) return true;
  return false;
}

/** Upper case, lower case and digits all present: what a random token has and prose or a hash lacks. */
export function hasMixedClasses(text: string, from = 0, to = text.length): boolean {
  let upper = false;
  let lower = false;
  let digit = false;
  for (let index = from; index < to && !(upper && lower && digit); index++) {
    const code = text.charCodeAt(index);
    if (code >= 65 && code <= 90) upper = true;
    else if (code >= 97 && code <= 122) lower = true;
    else if (code >= 48 && code <= 57) digit = true;
  }
  return upper && lower && digit;
}
