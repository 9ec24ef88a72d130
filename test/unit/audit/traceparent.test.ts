/** W3C traceparent parsing: `_meta` (2026 era) first, then the header; malformed values ignored. */
import { describe, expect, it } from "vitest";
import { parseTraceparent, traceFrom } from "../../../src/audit/traceparent";

const GOOD = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("traceparent", () => {
  it("parses a valid value", () => {
    expect(parseTraceparent(GOOD)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" });
  });

  it.each([
    "",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    `${GOOD}-extra`,
    "Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig",
  ])("ignores %j", (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("prefers the message's _meta over the header", () => {
    const meta = "00-11111111111111111111111111111111-2222222222222222-01";
    expect(traceFrom({ params: { _meta: { traceparent: meta } } }, GOOD)?.traceId).toBe(
      "11111111111111111111111111111111",
    );
    expect(traceFrom({ params: {} }, GOOD)?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(traceFrom(null, null)).toBeUndefined();
  });
});
