/** Strict base64 for write_file: what is accepted, what is refused, and the decoded size without decoding. */
import { describe, expect, it } from "vitest";
import { base64DecodedLength, parseBase64, toBase64 } from "../../../src/files/base64";

describe("parseBase64", () => {
  it("round-trips every byte value and accepts wrapped or unpadded input", () => {
    const bytes = Uint8Array.from({ length: 256 * 3 + 1 }, (_, i) => i % 256);
    const text = toBase64(bytes);
    expect(parseBase64(text)).toEqual(bytes);
    expect(parseBase64(text.replace(/(.{76})/g, "$1\r\n"))).toEqual(bytes);
    expect(parseBase64(text.replace(/=+$/, ""))).toEqual(bytes);
    expect(base64DecodedLength(text)).toBe(bytes.length);
    expect(parseBase64("")).toEqual(new Uint8Array(0));
  });

  it.each([
    ["not base64!", "outside"],
    ["ab=c", "'=' may only end"],
    ["abcde", "length"],
    ["abc===", "padding"],
    ["ab=", "padding"],
    ["aGVsbG8-", "outside"],
  ])("refuses %j with invalid_arguments", (text, why) => {
    expect(() => parseBase64(text)).toThrowError(expect.objectContaining({ code: "invalid_arguments" }));
    expect(() => base64DecodedLength(text)).toThrow(why);
  });
});
