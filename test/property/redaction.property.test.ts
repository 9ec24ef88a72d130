/**
 * The redaction pass's shortcuts (src/audit/redaction.ts: the anchor and long-run pre-check, the
 * per-isolate memory of clean strings) never change its answer: for any string, `redactString` equals
 * running every pattern over it, however often the string repeats.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactString, redactStringFully } from "../../src/audit/redaction";

// Pieces that build near-misses and hits of every pattern: anchors, separators, long runs of each case.
const pieces = fc.constantFrom(
  "eyJ",
  "r2mcp_",
  "Bearer ",
  "basic ",
  "DPoP ",
  "Token\t",
  "-----BEGIN PRIVATE KEY-----",
  "-----END PRIVATE KEY-----",
  "AKIA",
  "ASIA",
  "sk_live_",
  "pk_test_",
  "ghp_",
  "xoxb-",
  ".",
  "/",
  "_",
  "-",
  " ",
  "\n",
  "a",
  "Z",
  "7",
  "abcdefghijklmnop",
  "ABCDEFGHIJKLMNOP",
  "0123456789012345",
  "q7Zk2Lm9Xp4Rt8Vw",
  "é",
);
// An anchor followed by credential-alphabet runs and separators: every pattern's own shape, and its misses.
const credentialRun = fc.string({ unit: fc.constantFrom(..."aQ7_-+/=."), maxLength: 40 });
const shaped = fc
  .tuple(
    fc.constantFrom("", "x ", "path/"),
    fc.constantFrom(
      "eyJ",
      "r2mcp_",
      "Bearer ",
      "ApiKey ",
      "AKIA",
      "sk_live_",
      "ghp_",
      "xoxp-",
      "-----BEGIN RSA PRIVATE KEY-----",
    ),
    credentialRun,
    fc.constantFrom("", ".", " ", "\n"),
    credentialRun,
  )
  .map((parts) => parts.join(""));
const strings = fc.oneof(
  shaped,
  fc.array(pieces, { maxLength: 24 }).map((parts) => parts.join("")),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(..."aZ9+/_=-.eyJ "), minLength: 20, maxLength: 120 }),
);

describe("redaction shortcuts (property)", () => {
  it("agree with the full pass for any string, first time and repeated", () => {
    fc.assert(
      fc.property(strings, (value) => {
        const expected = redactStringFully(value);
        expect(redactString(value)).toBe(expected);
        expect(redactString(value)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("agree beyond the 1,024-character cap", () => {
    fc.assert(
      fc.property(strings, fc.nat({ max: 1100 }), (value, padding) => {
        const long = "x".repeat(padding) + value;
        expect(redactString(long)).toBe(redactStringFully(long));
      }),
      { numRuns: 300 },
    );
  });
});
