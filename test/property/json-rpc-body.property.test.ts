/**
 * Properties of the JSON-RPC body parser: for any body text (arbitrary strings, arbitrary JSON, valid
 * messages with hostile members), `parseSingleMessage` returns one message object or throws its own
 * `HttpError` carrying a 400 JSON-RPC answer (-32700 parse error, -32600 invalid request); it never
 * throws anything else, and never lets a batch or a non-object through.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSingleMessage } from "../../src/http/body";
import { HttpError } from "../../src/http/responses";

const bodyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
  fc
    .record({
      jsonrpc: fc.oneof(fc.constant("2.0"), fc.anything()),
      id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.anything()),
      method: fc.oneof(fc.constantFrom("tools/call", "ping", "__proto__", "constructor"), fc.anything()),
      params: fc.anything(),
    })
    .map((message) => JSON.stringify(message) ?? "null"),
  fc.array(fc.json(), { maxLength: 3 }).map((items) => `[${items.join(",")}]`),
  fc.constantFrom("", " ", "\ufeff{}", '{"__proto__": {"polluted": 1}}', "[]", "null", "1e999", '"x"'),
);

describe("JSON-RPC body parser properties", () => {
  it("returns one message object or throws its own HttpError (400, -32700/-32600)", async () => {
    await fc.assert(
      fc.asyncProperty(bodyText, async (text) => {
        let message: unknown;
        try {
          message = parseSingleMessage(text);
        } catch (error) {
          expect(error).toBeInstanceOf(HttpError);
          const response = (error as HttpError).response;
          expect(response.status).toBe(400);
          const body = (await response.json()) as { jsonrpc: string; error: { code: number } };
          expect(body.jsonrpc).toBe("2.0");
          expect([-32700, -32600]).toContain(body.error.code);
          return;
        }
        expect(typeof message).toBe("object");
        expect(message).not.toBeNull();
        expect(Array.isArray(message)).toBe(false);
      }),
      { numRuns: 1_000 },
    );
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
