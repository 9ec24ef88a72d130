/** Recovering an oversized body's JSON-RPC id from its ends only (src/http/oversized-body.ts). */
import { describe, expect, it } from "vitest";
import { BodyEnds, bodyTooLarge } from "../../src/http/oversized-body";

const encoder = new TextEncoder();
const filler = "z".repeat(100_000);

/** The ends of `text` as the body stage sees them: in chunks of `size` bytes. */
function idOf(text: string, size = 4096): string | number | null {
  const ends = new BodyEnds();
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.byteLength; at += size) ends.add(bytes.subarray(at, at + size));
  return ends.id();
}

describe("the id of an oversized body", () => {
  it.each([
    ["last, as the SDKs send it", { method: "tools/call", params: { content: filler }, jsonrpc: "2.0", id: 41 }],
    ["first", { jsonrpc: "2.0", id: "call-7", method: "tools/call", params: { content: filler } }],
    ["before jsonrpc at the end", { method: "tools/call", params: { content: filler }, id: 9, jsonrpc: "2.0" }],
  ])("is found when it comes %s", (_label, message) => {
    expect(idOf(JSON.stringify(message))).toBe(message.id);
    expect(idOf(JSON.stringify(message), 7)).toBe(message.id);
  });

  it("is not taken from inside params", () => {
    expect(idOf(JSON.stringify({ jsonrpc: "2.0", method: "x", params: { a: filler, id: 5 } }))).toBeNull();
    expect(idOf(JSON.stringify({ jsonrpc: "2.0", method: "x", params: { id: 5, a: filler } }))).toBeNull();
    expect(idOf(`{"jsonrpc":"2.0","method":"x","params":{"a":"${filler}\\",\\"id\\":5}"}}`)).toBeNull();
  });

  it("is null for notifications, batches, odd ids and non-JSON", () => {
    expect(idOf(JSON.stringify({ jsonrpc: "2.0", method: "notifications/x", params: { a: filler } }))).toBeNull();
    expect(idOf(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "x", params: { a: filler } }]))).toBeNull();
    expect(idOf(JSON.stringify({ jsonrpc: "2.0", method: "x", params: { a: filler }, id: 1.5 }))).toBeNull();
    expect(idOf(JSON.stringify({ jsonrpc: "2.0", method: "x", params: { a: filler }, id: null }))).toBeNull();
    expect(idOf(filler)).toBeNull();
  });

  it("unescapes a string id", () => {
    expect(idOf(JSON.stringify({ method: "x", params: { a: filler }, jsonrpc: "2.0", id: 'a"b\\c' }))).toBe('a"b\\c');
  });
});

describe("the refusal", () => {
  it("is a JSON-RPC error for the call when the id is known, naming the cap and append_file", async () => {
    const { response } = bodyTooLarge(6 * 1024 * 1024, 41);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBe(41);
    expect(body.error.code).toBe(-32000);
    expect(body.error.message).toContain("6 MiB");
    expect(body.error.message).toContain("append_file");
  });

  it("is a 413 naming the same remedy when it is not", async () => {
    const { response } = bodyTooLarge(4096);
    expect(response.status).toBe(413);
    const body = (await response.json()) as { id: unknown; error: { message: string } };
    expect(body.id).toBeNull();
    expect(body.error.message).toMatch(/4096 bytes.*append_file/);
  });
});
