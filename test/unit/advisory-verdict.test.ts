/**
 * The dependency-audit gate fails closed: only a clean report passes, and a registry without the
 * advisory API passes as NOT CHECKED only when an answer is not required (GitHub requires one).
 */
import { describe, expect, it } from "vitest";
import { advisoryVerdict } from "../../scripts/advisory-verdict.mjs";

const report = (counts: Record<string, number>, vulnerabilities: Record<string, unknown> = {}) =>
  JSON.stringify({
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts } },
    vulnerabilities,
  });
const notServed = JSON.stringify({
  statusCode: 405,
  uri: "https://registry.example/-/npm/v1/security/advisories/bulk",
});

describe("dependency-audit verdict", () => {
  it("passes a clean report, and one with only low or moderate advisories", () => {
    expect(advisoryVerdict(0, report({}), { requireAnswer: true }).ok).toBe(true);
    expect(advisoryVerdict(0, report({ low: 2, moderate: 1 }), { requireAnswer: true }).ok).toBe(true);
  });

  it("fails on a high or critical advisory and names the package", () => {
    const verdict = advisoryVerdict(
      1,
      report({ critical: 1 }, { "bad-pkg": { severity: "critical", range: "<1.2.3" } }),
      { requireAnswer: false },
    );
    expect(verdict.ok).toBe(false);
    expect(verdict.lines.join("\n")).toContain("critical: bad-pkg <1.2.3");
  });

  it("fails when npm exits non-zero even if the counts look clean", () => {
    expect(advisoryVerdict(1, report({}), { requireAnswer: false }).ok).toBe(false);
  });

  it("a registry without the advisory API: NOT CHECKED, a failure when an answer is required", () => {
    const lenient = advisoryVerdict(1, notServed, { requireAnswer: false });
    expect(lenient.ok).toBe(true);
    expect(lenient.lines[0]).toContain("NOT CHECKED");
    expect(advisoryVerdict(1, notServed, { requireAnswer: true }).ok).toBe(false);
  });

  it("fails on any other error answer and on output that is not a report", () => {
    for (const statusCode of [401, 404, 500, 503]) {
      expect(advisoryVerdict(1, JSON.stringify({ statusCode }), { requireAnswer: false }).ok).toBe(false);
    }
    expect(advisoryVerdict(1, JSON.stringify({ code: "ECONNREFUSED" }), { requireAnswer: false }).ok).toBe(false);
    expect(advisoryVerdict(1, "", { requireAnswer: false }).ok).toBe(false);
    expect(advisoryVerdict(null, "npm ERR! something", { requireAnswer: false }).ok).toBe(false);
  });
});
