/**
 * The Upstash benchmark's request classes (bench/lib/upstash-classes.mjs): what the "one Upstash round
 * trip per request" figure rests on, so a settlement or a detector call is never counted as the
 * request path's, and the request path's never hidden as one of them.
 */
import { describe, expect, it } from "vitest";
import { classifyUpstashRequest } from "../../bench/lib/upstash-classes.mjs";

const scripts = {
  settleSha: "5e771e",
  storageSha: "570ra9e",
  sha1: (text: string) => ({ "SETTLE source": "5e771e", "STORAGE source": "570ra9e" })[text] ?? "other",
};
const classify = (...commands: string[][]) => classifyUpstashRequest(commands, scripts);

describe("Upstash request classes (benchmark)", () => {
  it("the admission pipeline (GATE plus the library's windows) is the request path", () => {
    expect(
      classify(
        ["evalsha", "9a7e", "2", "r2mcp:v1:rl:ip:ab:strikes", "r2mcp:v1:rl:ip:ab:block", "1"],
        ["evalsha", "11b", "2", "k1", "k2", "1"],
      ),
    ).toBe("requestPath");
  });

  it("SETTLE, by digest or by source (the NOSCRIPT fallback), is settlement", () => {
    expect(classify(["evalsha", "5e771e", "1", "q", "1"])).toBe("settlement");
    expect(classify(["eval", "SETTLE source", "1", "q", "1"])).toBe("settlement");
    // A refund pipeline: the library's negative rate rides with SETTLE.
    expect(classify(["evalsha", "11b", "2", "k1", "k2", "-1"], ["evalsha", "5e771e", "1", "q", "1"])).toBe(
      "settlement",
    );
  });

  it("STORAGE is settlement only when it hands bytes back; growth beyond the reservation is the request path", () => {
    expect(classify(["evalsha", "570ra9e", "1", "r2mcp:v1:storage:t", "-4096", "1000"])).toBe("settlement");
    expect(classify(["eval", "STORAGE source", "1", "r2mcp:v1:storage:t", "-4096", "1000"])).toBe("settlement");
    expect(classify(["evalsha", "570ra9e", "1", "r2mcp:v1:storage:t", "4096", "1000"])).toBe("requestPath");
  });

  it("only audit: keys make an audit-consumer call; a mixed request stays on the request path", () => {
    expect(classify(["evalsha", "d37", "2", "audit:win:1", "audit:seen:2", "5"])).toBe("audit");
    expect(classify(["set", "audit:cool:3", "1", "nx", "ex", "60"])).toBe("audit");
    expect(classify(["evalsha", "d37", "2", "audit:win:1", "r2mcp:v1:q", "5"])).toBe("requestPath");
    expect(classify(["get", "r2mcp:v1:storage:t"])).toBe("requestPath");
  });
});
