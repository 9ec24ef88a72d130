/**
 * Properties of `WWW-Authenticate` challenge building (RFC 9110 §5.6.4 quoted-string, §11.2 auth-params;
 * RFC 6750 §3): whatever string goes into a parameter, the header is accepted by `Headers`, parses back
 * into exactly the same parameters (no value can end its quoted-string early or add a parameter), and
 * each value comes back as the input with only the characters RFC 6750 §3 forbids removed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildBearerChallenge, quoteHeaderValue } from "../../src/http/challenge";

/** A strict reader of `Bearer name="value", …`, the grammar a client would apply. */
function parseChallenge(header: string): [string, string][] {
  expect(header.startsWith("Bearer ")).toBe(true);
  const params: [string, string][] = [];
  let i = "Bearer ".length;
  while (i < header.length) {
    const name = /^[a-z_]+/.exec(header.slice(i))?.[0];
    if (!name || header[i + name.length] !== "=" || header[i + name.length + 1] !== '"') {
      throw new Error(`not an auth-param at ${i}`);
    }
    i += name.length + 2;
    let value = "";
    for (;;) {
      const char = header[i++];
      if (char === undefined) throw new Error("unterminated quoted-string");
      if (char === '"') break;
      if (char === "\\") value += header[i++];
      else value += char;
    }
    params.push([name, value]);
    if (i === header.length) break;
    if (header.slice(i, i + 2) !== ", ") throw new Error(`expected ", " at ${i}`);
    i += 2;
  }
  return params;
}

/** RFC 6750 §3: `%x20-21 / %x23-5B / %x5D-7E` plus the escaped `"` and `\`, i.e. printable ASCII. */
const expected = (value: string) => value.replace(/[^\x20-\x7e]/g, "");

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.stringMatching(/^[\\"\r\n\t ,=a-z]{0,30}$/),
);

describe("challenge quoting properties", () => {
  it("any value quotes into one valid quoted-string that reads back as the value", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const quoted = quoteHeaderValue(value);
        expect(quoted).toMatch(/^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"$/);
        expect(parseChallenge(`Bearer x=${quoted}`)).toEqual([["x", expected(value)]]);
      }),
      { numRuns: 2_000 },
    );
  });

  it("any challenge is a valid header with exactly its own parameters", () => {
    fc.assert(
      fc.property(anyText, fc.option(anyText), fc.option(anyText), (url, scope, description) => {
        const header = buildBearerChallenge({
          resourceMetadataUrl: url,
          error: "invalid_token",
          ...(scope ? { scope } : {}),
          ...(description ? { errorDescription: description } : {}),
        });
        expect(() => new Headers({ "www-authenticate": header })).not.toThrow();
        expect(new Headers({ "www-authenticate": header }).get("www-authenticate")).toBe(header);
        const wanted: [string, string][] = [["error", "invalid_token"]];
        if (description) wanted.push(["error_description", expected(description)]);
        if (scope) wanted.push(["scope", expected(scope)]);
        wanted.push(["resource_metadata", expected(url)]);
        expect(parseChallenge(header)).toEqual(wanted);
      }),
      { numRuns: 2_000 },
    );
  });
});
