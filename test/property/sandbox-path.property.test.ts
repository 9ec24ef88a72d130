/**
 * Properties of path canonicalization (invariant 1, docs/architecture.md), over generated paths built
 * from the pieces attacks are made of (`..`, `.`, empty segments, `\`, controls, NFC/NFKC look-alikes,
 * lone surrogates) mixed with arbitrary Unicode:
 * - the parser either returns a SandboxPath or throws PathRefusedError, nothing else;
 * - a canonical path never has a `..`, `.` or empty segment, a `\`, a control character or a `/`
 *   inside a segment, and is NFC;
 * - canonicalization is idempotent: parsing `relative` or `display` again gives the same segments.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PathRefusedError, parseSandboxPath, type SandboxPath } from "../../src/sandbox/sandbox-path";

const hostilePiece = fc.constantFrom(
  "..",
  ".",
  "",
  "...",
  "\\",
  "a\\..",
  "\u0000",
  "\u001f",
  "\u007f",
  "\u0085",
  "\u2028",
  "\u202e",
  "．．",
  "／",
  "∕",
  "⁄",
  "\ufeff",
  "e\u0301",
  "é",
  "\ud800",
  "%2e%2e",
  " ",
  "~",
);
const segment = fc.oneof(
  { weight: 3, arbitrary: hostilePiece },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[a-z0-9._-]{1,10}$/) },
);
const pathText = fc.oneof(
  fc.array(segment, { maxLength: 12 }).map((parts) => parts.join("/")),
  fc
    .tuple(fc.constantFrom("", "/", "./", "//"), fc.array(segment, { maxLength: 6 }))
    .map(([lead, parts]) => lead + parts.join("/")),
  fc.string({ unit: "binary", maxLength: 64 }),
);

/** Parses, turning only PathRefusedError into `undefined`; anything else propagates and fails the property. */
function parseOrRefuse(raw: string): SandboxPath | undefined {
  try {
    return parseSandboxPath(raw, "path");
  } catch (error) {
    if (error instanceof PathRefusedError) return undefined;
    throw error;
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

describe("parseSandboxPath properties", () => {
  it("accepts or refuses with PathRefusedError; a canonical path is clean", () => {
    let accepted = 0;
    fc.assert(
      fc.property(pathText, (raw) => {
        const path = parseOrRefuse(raw);
        if (path === undefined) return;
        accepted += 1;
        for (const s of path.segments) {
          expect(s).not.toBe("");
          expect(s).not.toBe(".");
          expect(s).not.toBe("..");
          expect(s).not.toMatch(/[/\\]/);
          expect(CONTROL.test(s)).toBe(false);
          expect(s.normalize("NFKC")).not.toMatch(/^\.\.?$/);
        }
        expect(path.relative.isWellFormed()).toBe(true);
        expect(path.relative.normalize("NFC")).toBe(path.relative);
        expect(path.relative.startsWith("/") || path.relative.endsWith("/")).toBe(false);
      }),
      { numRuns: 2_000 },
    );
    // The generator is hostile, not hopeless: a good share of paths must get through to be checked.
    expect(accepted).toBeGreaterThan(200);
  });

  it("is idempotent: the canonical form parses to itself", () => {
    fc.assert(
      fc.property(pathText, (raw) => {
        const path = parseOrRefuse(raw);
        if (path === undefined) return;
        expect(parseSandboxPath(path.relative, "path").segments).toEqual(path.segments);
        expect(parseSandboxPath(path.display, "path").segments).toEqual(path.segments);
        expect(parseSandboxPath(`./${path.relative}/`, "path").segments).toEqual(path.segments);
      }),
      { numRuns: 2_000 },
    );
  });

  it("never throws on non-strings other than PathRefusedError", () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        if (typeof raw === "string") return;
        expect(() => parseSandboxPath(raw, "path")).toThrow(PathRefusedError);
      }),
    );
  });
});
