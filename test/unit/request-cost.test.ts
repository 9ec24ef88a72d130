/**
 * What the limiter is told about a call before it runs: the operation (a read may pass a degraded
 * limiter, a write or delete never does) and the cost. Every registered tool is checked, so a new tool
 * is classified by its scope without anyone remembering to.
 */
import { describe, expect, it } from "vitest";
import type { JsonRpcMessage } from "../../src/http/body";
import { operationOf, requestCost } from "../../src/http/request-cost";
import { findTool, TOOLS } from "../../src/tools/registry";
import { parseToolCall } from "../../src/tools/tool-call";

const message = (name: string, args: unknown = {}): JsonRpcMessage => ({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name, arguments: args },
});
const call = (name: string, args: unknown = {}) => parseToolCall(message(name, args), findTool);

describe("operationOf", () => {
  it.each(TOOLS.map((tool) => [tool.name, tool.scope] as const))("%s (%s)", (name, scope) => {
    expect(operationOf(call(name))).toBe(scope === "files:read" ? "read" : "write");
  });

  it("treats protocol methods and unknown tools as reads (nothing can be written by them)", () => {
    for (const method of ["initialize", "tools/list", "ping"]) {
      expect(operationOf(parseToolCall({ jsonrpc: "2.0", id: 1, method }, findTool))).toBe("read");
    }
    expect(operationOf(call("no_such_tool"))).toBe("read");
  });
});

describe("requestCost", () => {
  it("costs one unit for anything without a cost hook, invalid arguments or an unknown tool", () => {
    expect(requestCost(parseToolCall({ jsonrpc: "2.0", id: 1, method: "ping" }, findTool))).toEqual({ units: 1 });
    expect(requestCost(call("no_such_tool"))).toEqual({ units: 1 });
    expect(requestCost(call("write_file", { path: 7 }))).toEqual({ units: 1 });
  });
});
