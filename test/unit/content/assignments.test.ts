/**
 * The assignment detector judges thousands of names and values per configuration-heavy file, so its
 * checks are written to compare in place and stop early. These properties hold them to the readable
 * definitions they replace (split the name into lower-cased words; test the value with one regex per
 * character class and one search per placeholder word), on generated names and values that mix case,
 * separators and the Unicode characters whose lower case is ASCII.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shannonEntropy } from "../../../src/content/checksums";
import {
  containsPlaceholderWord,
  isLiteralSecret,
  isPlaceholderValue,
  namesSecret,
} from "../../../src/content/detectors/assignments";
import { equalsIgnoringCase } from "../../../src/content/detectors/char-classes";

const SECRET_WORDS = new Set(["password", "passwd", "pwd", "pass", "passphrase", "secret", "token"]);
const KEY_QUALIFIERS = new Set(["api", "secret", "private", "access", "auth", "signing", "encryption", "master"]);
const JOINED_KEYS = new Set(["apikey", "secretkey", "privatekey", "accesskey", "authkey"]);
const NOT_SECRET_TOKENS = new Set([
  "next",
  "page",
  "continuation",
  "cancellation",
  "sync",
  "max",
  "total",
  "num",
  "count",
]);

/** The definition: the identifier's words (split at `_.-` and lower→upper case), last two, lower-cased. */
function namesSecretByWords(identifier: string): boolean {
  const words = identifier
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[_.\- ]+/)
    .filter((word) => word !== "")
    .map((word) => word.toLowerCase());
  const last = words.at(-1);
  const previous = words.at(-2);
  if (last === undefined) return false;
  if (last === "token") return previous === undefined || !NOT_SECRET_TOKENS.has(previous);
  if (SECRET_WORDS.has(last) || JOINED_KEYS.has(last)) return true;
  return last === "key" && previous !== undefined && KEY_QUALIFIERS.has(previous);
}

const PLACEHOLDER_WORDS = [
  ...["example", "changeme", "change_me", "placeholder", "your_", "your-", "yourpass", "redacted", "xxxx", "****"],
  ...["dummy", "sample", "replace", "insert", "todo", "fixme", "...", "…", "secret", "password", "passwd", "token"],
  ...["test", "my-", "my_"],
];

/** The definition of a literal secret, each character class by its own regex. */
function isLiteralSecretByDefinition(value: string, quoted: boolean): boolean {
  const classes =
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/\d/.test(value)) +
    Number(/[^A-Za-z\d]/.test(value));
  return (
    value.length >= 8 &&
    value.length <= 256 &&
    classes >= 2 &&
    !isPlaceholderValue(value, quoted) &&
    shannonEntropy(value) >= 3
  );
}

const NAME_PIECES = [
  ...["db", "DB", "client", "Client", "next", "Page", "MAX", "api", "API", "secret", "Secret", "private", "ACCESS"],
  ...["auth", "token", "Token", "TOKEN", "key", "KEY", "Key", "password", "Password", "passwd", "PWD", "pass"],
  ...["passphrase", "apikey", "secretKey", "x1", "a", "9", "_", ".", "-", "__"],
];
const VALUE_PIECES = [
  ...["aB3", "Zx9", "Qw2", "kLm", "0p", "Q", "r", "7", "+/", "=", "-", "_", "$", "{", "(", " ", "test", "my-"],
  ...["Secret", "TOKEN", "…", "...", "\u212A", "\u0130", "\u017F", "ü", "process.", "env.", "/", "~/", "%s"],
  ...["xxxx", "aaaa", "==", "EXAMPLE", "Dummy", "INSERT"],
];
const joined = (pieces: readonly string[], maxLength: number) =>
  fc.array(fc.constantFrom(...pieces), { maxLength }).map((parts) => parts.join(""));

describe("the assignment detector's checks equal their definitions", () => {
  it("a name names a secret by its last two words, read in place", () => {
    fc.assert(
      fc.property(joined(NAME_PIECES, 6), fc.string({ maxLength: 3 }), (identifier, around) => {
        // Read inside a longer text, as the detector does: nothing outside [start, end) may count.
        const text = `${around}${identifier}${around}`;
        const start = around.length;
        expect(namesSecret(text, start, start + identifier.length)).toBe(namesSecretByWords(identifier));
      }),
      { numRuns: 3000 },
    );
  });

  it("a placeholder word is found as a search for each word in the lower-cased value finds it", () => {
    const withWord = fc
      .tuple(joined(VALUE_PIECES, 6), fc.constantFrom(...PLACEHOLDER_WORDS), joined(VALUE_PIECES, 6), fc.boolean())
      .map(([before, word, after, upper]) => `${before}${upper ? word.toUpperCase() : word}${after}`);
    fc.assert(
      fc.property(fc.oneof(joined(VALUE_PIECES, 24), withWord), (value) => {
        const lower = value.toLowerCase();
        expect(containsPlaceholderWord(value)).toBe(PLACEHOLDER_WORDS.some((word) => lower.includes(word)));
      }),
      { numRuns: 3000 },
    );
  });

  it("a value is a literal secret by length, classes, placeholder words and entropy", () => {
    fc.assert(
      fc.property(joined(VALUE_PIECES, 24), fc.boolean(), (value, quoted) => {
        expect(isLiteralSecret(value, quoted)).toBe(isLiteralSecretByDefinition(value, quoted));
      }),
      { numRuns: 3000 },
    );
  });

  it("comparing ignoring case equals lower-casing a slice, for any text", () => {
    const words = fc.constantFrom("token", "key", "mysql", "mongodb+srv", "pass", "x");
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), words, fc.nat(12), (text, word, start) => {
        const end = start + word.length;
        const expected =
          end <= text.length && text.slice(start, end).replace(/[A-Z]/g, (c) => c.toLowerCase()) === word;
        expect(equalsIgnoringCase(text, start, end, word)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });
});
