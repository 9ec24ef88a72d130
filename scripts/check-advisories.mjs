/**
 * The dependency-audit gate (`npm run advisories`, docs/ci.md): runs `npm audit --omit=dev
 * --audit-level=high --json` on the production tree and judges the answer with advisoryVerdict
 * (scripts/advisory-verdict.mjs). REQUIRE_DEPENDENCY_AUDIT=1 (set by the GitHub workflow) turns a
 * registry without the advisory API from NOT CHECKED into a failure.
 */
import { spawnSync } from "node:child_process";
import { advisoryVerdict } from "./advisory-verdict.mjs";

const run = spawnSync("npm", ["audit", "--omit=dev", "--audit-level=high", "--json"], {
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
});
const verdict = advisoryVerdict(run.status, run.stdout, {
  requireAnswer: process.env.REQUIRE_DEPENDENCY_AUDIT === "1",
});
for (const line of verdict.lines) (verdict.ok ? console.log : console.error)(line);
process.exit(verdict.ok ? 0 : 1);
