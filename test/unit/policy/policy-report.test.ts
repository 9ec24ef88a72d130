import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/policy";
import { reportDecisions, summarizePolicy } from "../../../src/policy/policy-report";
import { EXAMPLE_POLICY } from "./example-policy";
import { MEDIATION_POLICY } from "./mediation-policy";

const NOW = 1_800_000_000;

describe("policy check report", () => {
  const result = parsePolicy(JSON.stringify(EXAMPLE_POLICY));
  if (!result.ok) throw new Error(result.problem);
  const options = {
    paths: ["notes.md", ".env", "archive/x.pdf"],
    acr: undefined,
    certificateVerified: false,
    writeBytes: 10,
  };

  it("summarizes the document", () => {
    expect(summarizePolicy(result.policy)).toBe(
      'Valid policy: 3 role(s) from claim "roles", 4 rule(s) (2 deny, 1 step-up, 1 confirm), toolsList "permitted".',
    );
  });

  it("prints each role's decisions per path, naming the rules", () => {
    const lines = reportDecisions(result.policy, { ...options, authAgeSeconds: 10 }, NOW);
    const editor = lines.indexOf("role editor: effective scopes files:read files:write");
    expect(editor).toBeGreaterThan(0);
    // Each path has two lines: the actions, then what the storage gate makes of operations on it.
    expect(lines[editor + 3]).toMatch(
      /^ {2}\/\.env +read write overwrite delete: denied by no-dotenv; list move restore: allowed; purge: not entitled to files:delete$/,
    );
    expect(lines[editor + 5]).toContain("write overwrite delete move: denied by archive-read-only");
    expect(lines.join("\n")).toContain("purge: asks a human to confirm (confirm-purge)");
  });

  it("a stale sign-in shows the step-up", () => {
    const lines = reportDecisions(result.policy, { ...options, authAgeSeconds: 3600 }, NOW);
    expect(lines.join("\n")).toContain("delete purge: needs a sign-in within 300 s (fresh-login-to-delete)");
  });

  it("reports the storage gate's semantics: an editor cannot move or restore payroll elsewhere; hr is left out", () => {
    const mediation = parsePolicy(JSON.stringify(MEDIATION_POLICY));
    if (!mediation.ok) throw new Error(mediation.problem);
    const lines = reportDecisions(
      mediation.policy,
      { ...options, paths: ["payroll", "hr", "notes.md"], authAgeSeconds: 10 },
      NOW,
    );
    const editor = lines.indexOf("role editor: effective scopes files:read files:write");
    expect(lines[editor + 1]).toMatch(/^ {2}\/payroll +read: denied by payroll-admins-only;/);
    expect(lines[editor + 2]).toContain("moving it away: denied by payroll-admins-only");
    expect(lines[editor + 2]).toContain("restoring it elsewhere: denied by payroll-admins-only");
    expect(lines[editor + 2]).toContain("listed without etag");
    expect(lines[editor + 4]).toContain("left out of listings");
    expect(lines[editor + 6]).toContain("moving it away: allowed");
    expect(lines[editor + 6]).toContain("listed with its etag");
    const admin = lines.indexOf("role admin: effective scopes files:read files:write files:delete");
    expect(lines[admin + 2]).toContain("moving it away: allowed");
  });
});
