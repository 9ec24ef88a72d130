/**
 * The id an oversized body's refusal is addressed to (src/http/oversized-body.ts) is read off the body's
 * ends only. Property: whatever the members, their order, the params (hostile ones included: nested `id`
 * keys, strings holding `"id":…}`) and the chunking, the recovered id is the message's own top-level id or
 * nothing, never another value; and it is found whenever the id is the first or last member.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BodyEnds } from "../../src/http/oversized-body";

const encoder = new TextEncoder();
const id = fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.string({ maxLength: 40 }));
const hostile = fc.oneof(
  fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as unknown),
  id.map((value) => ({ id: value })),
  id.map((value) => `","id":${JSON.stringify(value)}}`),
  id.map((value) => ({ nested: { id: value }, jsonrpc: "2.0" })),
);
const message = fc.record({
  order: fc.shuffledSubarray(["jsonrpc", "method", "params"], { minLength: 3, maxLength: 3 }),
  idAt: fc.nat({ max: 3 }),
  hasId: fc.boolean(),
  id,
  params: fc.record({ filler: fc.string({ minLength: 600, maxLength: 2000 }), extra: hostile }),
  chunk: fc.integer({ min: 1, max: 700 }),
});

describe("id recovery from an oversized body's ends", () => {
  it("yields the message's own id or null, never another id", () => {
    fc.assert(
      fc.property(message, ({ order, idAt, hasId, id: ownId, params, chunk }) => {
        const keys = [...order];
        if (hasId) keys.splice(idAt, 0, "id");
        const values: Record<string, unknown> = { jsonrpc: "2.0", method: "tools/call", params, id: ownId };
        const text = `{${keys.map((key) => `${JSON.stringify(key)}:${JSON.stringify(values[key])}`).join(",")}}`;
        const ends = new BodyEnds();
        const bytes = encoder.encode(text);
        for (let at = 0; at < bytes.byteLength; at += chunk) ends.add(bytes.subarray(at, at + chunk));
        const recovered = ends.id();
        if (!hasId) {
          expect(recovered).toBeNull();
          return;
        }
        expect([ownId, null]).toContainEqual(recovered);
        const shortString = typeof ownId !== "string" || ownId.length <= 40;
        const atAnEnd = keys[0] === "id" || keys.at(-1) === "id";
        if (atAnEnd && shortString) expect(recovered).toEqual(ownId);
      }),
      { numRuns: 300 },
    );
  });
});
