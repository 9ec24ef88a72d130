/** The protocol-header stage as a pure function: era, unknown revisions, SEP-2243 agreement. */
import { isLegacyRequest } from "@modelcontextprotocol/server";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProtocolHeaders, decodeHeaderValue } from "../../src/http/protocol-headers";
import { HttpError } from "../../src/http/responses";
import { SERVED_REVISIONS } from "../../src/mcp/protocol-revisions";
import { loadToolRegistry } from "../../src/tools/tool-registry-loader";

// The pipeline loads the tools before the header check; so does this test.
beforeAll(() => loadToolRegistry());

const META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
};

function modernCall(name: string) {
  return { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {}, _meta: META } };
}

async function refusal(run: () => unknown): Promise<{ status: number; code: number; data?: unknown }> {
  try {
    run();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const body = (await error.response.json()) as { error: { code: number; data?: unknown } };
    return { status: error.response.status, ...body.error };
  }
  throw new Error("expected a refusal");
}

describe("decodeHeaderValue", () => {
  it("passes plain values through and decodes the Base64 sentinel as UTF-8", () => {
    expect(decodeHeaderValue("write_file")).toBe("write_file");
    const utf8 = btoa(String.fromCharCode(...new TextEncoder().encode("écrire_fichier")));
    expect(decodeHeaderValue(`=?base64?${utf8}?=`)).toBe("écrire_fichier");
    expect(decodeHeaderValue("=?base64?d3JpdGVfZmlsZQ==?=")).toBe("write_file");
  });

  it("refuses non-canonical Base64 and invalid UTF-8", () => {
    expect(decodeHeaderValue("=?base64?d3JpdGVfZmlsZQ?=")).toBeUndefined();
    expect(decodeHeaderValue("=?base64?*?=")).toBeUndefined();
    expect(decodeHeaderValue(`=?base64?${btoa("\xff\xfe")}?=`)).toBeUndefined();
  });
});

describe("checkProtocolHeaders", () => {
  // handle-mcp-post.ts serves the era this stage returns instead of asking isLegacyRequest again, so the
  // two must never disagree on anything the stage lets through.
  it("gives every message it accepts the era isLegacyRequest gives it", async () => {
    const header = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined });
    const bodies = [
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25" } },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 1, result: {} },
      modernCall("write_file"),
      { jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: META } },
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: META } },
      { jsonrpc: "2.0", id: 3, method: "server/discover", params: { _meta: META } },
      {
        jsonrpc: "2.0",
        id: 4,
        method: "tools/list",
        params: { _meta: { "io.modelcontextprotocol/protocolVersion": 7 } },
      },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...bodies),
        header(["2025-03-26", "2025-06-18", "2025-11-25", "2026-07-28", " 2026-07-28 ", "2030-01-01", ""]),
        header(["tools/call", "tools/list", "server/discover", "initialize"]),
        header(["write_file", "read_text_file"]),
        async (body, version, method, name) => {
          const headers = new Headers({
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          });
          if (version !== undefined) headers.set("mcp-protocol-version", version);
          if (method !== undefined) headers.set("mcp-method", method);
          if (name !== undefined) headers.set("mcp-name", name);
          let era: string;
          try {
            era = checkProtocolHeaders(headers, body);
          } catch (error) {
            if (error instanceof HttpError) return; // refused here: never reaches the SDK
            throw error;
          }
          const request = new Request("https://files.example.test/mcp", {
            method: "POST",
            headers,
            body: JSON.stringify(body),
          });
          expect(era).toBe((await isLegacyRequest(request, body)) ? "legacy" : "modern");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("classifies a body without the envelope as 2025-era, with or without a known version header", () => {
    const body = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    expect(checkProtocolHeaders(new Headers(), body)).toBe("legacy");
    expect(checkProtocolHeaders(new Headers({ "mcp-protocol-version": "2025-06-18" }), body)).toBe("legacy");
  });

  it("classifies an agreeing modern request as modern, tolerating surrounding whitespace", () => {
    const headers = new Headers({
      "mcp-protocol-version": " 2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "write_file\t",
    });
    expect(checkProtocolHeaders(headers, modernCall("write_file"))).toBe("modern");
  });

  it("exempts modern notifications from the presence rules", () => {
    const notification = { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1, _meta: META } };
    expect(checkProtocolHeaders(new Headers(), notification)).toBe("modern");
  });

  it("answers unknown revisions with 400, -32022 and every served revision", async () => {
    const refused = await refusal(() =>
      checkProtocolHeaders(new Headers({ "mcp-protocol-version": "2030-01-01" }), {
        jsonrpc: "2.0",
        id: 1,
        method: "ping",
      }),
    );
    expect(refused).toMatchObject({ status: 400, code: -32022, data: { requested: "2030-01-01" } });
    expect((refused.data as { supported: string[] }).supported).toEqual([...SERVED_REVISIONS]);
  });

  it("answers a name mismatch with 400 and -32020", async () => {
    const headers = new Headers({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "x" });
    expect(await refusal(() => checkProtocolHeaders(headers, modernCall("write_file")))).toMatchObject({
      status: 400,
      code: -32020,
    });
  });
});
