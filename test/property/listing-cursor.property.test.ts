/**
 * Properties of listing cursors: any R2 cursor round-trips through the listing it was issued for,
 * another listing's scope refuses it, and any string at all decodes to a cursor or to
 * `invalid_arguments` (a ToolError), never to another exception.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ToolError } from "../../src/errors/tool-error";
import { decodeListingCursor, encodeListingCursor } from "../../src/sandbox/listing-cursor";

const scope = fc.oneof(fc.string({ unit: "grapheme", maxLength: 40 }), fc.constantFrom("", "a", "a/b", "A", "a/"));
const r2Cursor = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }),
  fc.base64String({ minLength: 4 }),
);

function refusal(fn: () => unknown): ToolError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof ToolError) return error;
    throw error;
  }
}

describe("listing cursor properties", () => {
  it("round-trips within its listing", () => {
    fc.assert(
      fc.property(scope, r2Cursor, (s, c) => {
        const cursor = encodeListingCursor(s, c);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]*$/); // URL- and JSON-safe as handed out
        expect(decodeListingCursor(s, cursor)).toBe(c);
      }),
      { numRuns: 1_000 },
    );
  });

  it("is refused by any other listing", () => {
    fc.assert(
      fc.property(scope, scope, r2Cursor, (s, other, c) => {
        fc.pre(s !== other);
        const error = refusal(() => decodeListingCursor(other, encodeListingCursor(s, c)));
        expect(error?.code).toBe("invalid_arguments");
      }),
      { numRuns: 1_000 },
    );
  });

  it("decodes any string to a cursor or invalid_arguments, nothing else", () => {
    fc.assert(
      fc.property(scope, fc.oneof(fc.string({ unit: "binary" }), fc.base64String()), (s, text) => {
        const error = refusal(() => decodeListingCursor(s, text));
        if (error) expect(error.code).toBe("invalid_arguments");
      }),
      { numRuns: 2_000 },
    );
  });
});
