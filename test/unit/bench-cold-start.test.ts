/**
 * `npm run bench -- --startup` prints startup together with what the first request then pays, so moving
 * cost to first use never reads as removing it (bench/lib/cold-start.mjs).
 */
import { describe, expect, it } from "vitest";
import { formatFirstRequests, formatStartupComparison, summarizeFirstRequests } from "../../bench/lib/cold-start.mjs";

const rows = (evalMs: number, first: number, warm: number) => [
  { eval: evalMs, first, warm },
  { eval: evalMs + 2, first: first + 2, warm },
  { eval: evalMs - 2, first: first - 2, warm },
];

describe("the first request after a cold start", () => {
  it("charges the first request's one-time loads to the cold total", () => {
    const summary = summarizeFirstRequests({ "mcp-tools-list": rows(30, 150, 3) });
    expect(summary["mcp-tools-list"]).toEqual({
      evalMs: 30,
      firstMs: 150,
      warmMs: 3,
      onceMs: 147,
      coldTotalMs: 177,
      runs: 3,
    });
    const [heading, line] = formatFirstRequests(summary);
    expect(heading).toContain("first request");
    expect(line).toContain("POST /mcp tools/list");
    expect(line).toContain("pays 147.0 ms once");
    expect(line).toContain("cold total (evaluation + that) 177.0 ms");
  });

  it("prints before → after for the bundle, startup and the cold total", () => {
    const figures = (gzipKiB: number, active: number, node: number, first: number) => ({
      gzipBytes: gzipKiB * 1024,
      activeMs: active,
      actives: [active, active + 5],
      nodeCpuMs: node,
      nodeCpus: [node, node + 1],
      firstRequests: summarizeFirstRequests({ "mcp-tools-list": rows(node, first, 3) }),
    });
    const text = formatStartupComparison(figures(302.8, 55, 110, 86), figures(285.2, 15, 29, 150));
    expect(text).toContain("bundle gzip 302.8 → 285.2 KiB");
    expect(text).toContain("wrangler check startup median 55.0 → 15.0 ms");
    expect(text).toContain("first request pays once 83.0 → 147.0 ms; cold total 193.0 → 176.0 ms");
  });
});
