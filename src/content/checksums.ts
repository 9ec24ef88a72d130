/**
 * The validations that keep detectors precise: Luhn (payment cards), ISO 13616 mod-97 (IBAN), the CRC32
 * checksum GitHub and npm embed in their tokens, Shannon entropy (password assignments) and base64url
 * JSON decoding (JWT headers). All pure, all linear in their input, none allocating per character.
 */

/** Luhn check over the digits of `text` (separators ignored); false with fewer than 2 digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  let count = 0;
  for (let index = digits.length - 1; index >= 0; index--) {
    const code = digits.charCodeAt(index) - 48;
    if (code < 0 || code > 9) continue;
    let value = code;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
    count++;
  }
  return count >= 2 && sum % 10 === 0;
}

/** ISO 7064 mod 97-10 over an IBAN without spaces: the first four characters move to the end. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index++) {
    const code = rearranged.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      remainder = (remainder * 10 + (code - 48)) % 97;
    } else if (code >= 65 && code <= 90) {
      remainder = (remainder * 100 + (code - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of an ASCII string. */
export function crc32(ascii: string): number {
  let crc = 0xffffffff;
  for (let index = 0; index < ascii.length; index++) {
    crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ ascii.charCodeAt(index)) & 0xff]!;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A number as base62, left-padded with "0" to `width`. */
export function toBase62(value: number, width: number): string {
  let out = "";
  let rest = value;
  do {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return out.padStart(width, "0");
}

/**
 * GitHub's and npm's token checksum (github.blog 2021-04-05, 2021-09-23): the last six characters are
 * the base62 CRC-32 of the random part between the prefix and them. A string of the right shape that
 * fails it is a made-up example, not a token.
 */
export function base62Crc32Valid(randomPart: string, checksum: string): boolean {
  return toBase62(crc32(randomPart), 6) === checksum;
}

/**
 * Counts of ASCII characters for `shannonEntropy`, reused: the scanner asks for the entropy of thousands
 * of short values per file, and a fresh zeroed table each time was most of the cost. Only ever used
 * synchronously, and left all zero after every call, so sharing it within the isolate is safe. A plain
 * array of small integers rather than a typed array, for the reason given at `CharClass`.
 */
const asciiCounts = Array.from({ length: 128 }, () => 0);

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  // ASCII counted in a table (the common case, no allocation per character), the rest in a map.
  let other: Map<number, number> | undefined;
  let lowest = 128;
  let highest = -1;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 128) {
      asciiCounts[code]!++;
      if (code < lowest) lowest = code;
      if (code > highest) highest = code;
    } else {
      other ??= new Map();
      other.set(code, (other.get(code) ?? 0) + 1);
    }
  }
  // Summed in code order (only the codes seen, lowest to highest), then the rest in first-seen order, as
  // always: the same float to the last bit.
  let entropy = 0;
  for (let code = lowest; code <= highest; code++) {
    const count = asciiCounts[code]!;
    if (count > 0) {
      const p = count / text.length;
      entropy -= p * Math.log2(p);
      asciiCounts[code] = 0;
    }
  }
  if (other) {
    for (const count of other.values()) {
      const p = count / text.length;
      entropy -= p * Math.log2(p);
    }
  }
  return entropy;
}

/** Decodes base64url (no padding needed) to a string, or undefined when it is not base64url. */
export function decodeBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "=".repeat((4 - (text.length % 4)) % 4);
  try {
    return atob(padded);
  } catch {
    return undefined;
  }
}
