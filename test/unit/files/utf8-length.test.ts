import { describe, expect, it } from "vitest";
import { utf8ByteLength } from "../../../src/files/utf8-length";

describe("utf8ByteLength", () => {
  it.each([
    "",
    "ascii",
    "é",
    "€uro",
    "𝄞 clef",
    "a\ud800b",
    "\udc00",
    "\ud800",
    "mixed é € 𝄞 \ud83d\ude00",
    "x".repeat(10_000),
  ])("matches TextEncoder for %j", (text) => {
    expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).byteLength);
  });
});
