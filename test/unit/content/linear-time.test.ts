/**
 * Hostile input for the scanner: text built to make a naive detector rescan (prefixes repeated
 * thousands of times, runs without an end, triggers on every character). The scan must finish and
 * report a bounded number of findings; a quadratic detector would turn each of these into minutes of
 * CPU and hit the test timeout. Throughput on the same inputs is measured by `npm run bench -- --dlp`.
 */
import { describe, expect, it } from "vitest";
import { scanText } from "../../../src/content/scan";

const SIZE = 512 * 1024;
const repeat = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

const HOSTILE_INPUTS: Record<string, string> = {
  "prefix storm": repeat("eyJ"),
  "token prefixes": repeat("ghp_npm_sk-xoxb-r2mcp_glpat-AKIA"),
  "one long word": repeat("a"),
  "long base64": repeat("QUJD"),
  "pem headers": repeat("-----BEGIN RSA PRIVATE KEY-----\n"),
  "at signs": repeat("a@"),
  "local parts": `${repeat("abcdefghij.")}@`,
  digits: repeat("4"),
  "grouped digits": repeat("4111 "),
  "plus signs": repeat("+1 "),
  assignments: repeat("password="),
  colons: repeat("token:"),
  urls: repeat("postgres://"),
  "key ids": repeat("AKIAABCDEFGHIJKLMNOP "),
  "key ids with secrets": repeat("AKIAABCDEFGHIJKLMNOP aB3dEfGhIjKlMnOpQrStUvWxYz0123456789+/Ab "),
  "unknown key labels": Array.from({ length: 20_000 }, (_, i) => `-----BEGIN X${i} PRIVATE KEY-----\n`).join(""),
  "begin and mismatched end": repeat("-----BEGIN RSA PRIVATE KEY-----\nQUJD\n-----END EC PRIVATE KEY-----\n"),
};

describe("hostile input", () => {
  for (const [name, text] of Object.entries(HOSTILE_INPUTS)) {
    it(`scans ${name} (${text.length} chars) and reports a bounded number of findings`, () => {
      const findings = scanText(text);
      expect(findings.length).toBeLessThan(text.length / 8);
      for (const finding of findings) expect(finding.end).toBeGreaterThan(finding.start);
    });
  }
});
