import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { createMcpServer } from "../../src/mcp/mcp-server";

describe("ajv is aliased away, as in the deploy bundle", () => {
  it("throws if anything constructs it", () => {
    expect(() => new (Ajv as unknown as new () => unknown)()).toThrow(/not bundled/);
  });

  it("is never constructed by the server", () => {
    const context = { principal: {}, sandbox: {}, log: {}, outcome: {} } as unknown as Parameters<
      typeof createMcpServer
    >[1];
    expect(() => createMcpServer([], context)).not.toThrow();
  });
});
