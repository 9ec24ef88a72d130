import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../src/policy/policy";
import { reportDecisions, summarizePolicy } from "../../../src/policy/policy-report";
import { EXAMPLE_POLICY } from "./example-policy";

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
    expect(lines[editor + 2]).toMatch(
      /^ {2}\/\.env +read write overwrite delete: denied by no-dotenv; list move restore: allowed; purge: not entitled to files:delete$/,
    );
    expect(lines[editor + 3]).toContain("write overwrite delete move: denied by archive-read-only");
    expect(lines.join("\n")).toContain("purge: asks a human to confirm (confirm-purge)");
  });

  it("a stale sign-in shows the step-up", () => {
    const lines = reportDecisions(result.policy, { ...options, authAgeSeconds: 3600 }, NOW);
    expect(lines.join("\n")).toContain("delete purge: needs a sign-in within 300 s (fresh-login-to-delete)");
  });
});
