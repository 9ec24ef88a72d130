/**
 * The dependency-audit gate's judgement, pure (unit-tested in test/unit/advisory-verdict.test.ts):
 * from `npm audit --json`'s exit status and output to pass or fail with the lines to print.
 * A registry that does not implement the advisory API (HTTP 405) cannot be asked, which is not "no
 * advisories": NOT CHECKED, a pass unless `requireAnswer`. Everything else that is not a clean report
 * fails: high or critical advisories, any other error answer, output that is not a report.
 */
export function advisoryVerdict(status, stdout, { requireAnswer }) {
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    return { ok: false, lines: [`dependency audit: FAILED, npm audit printed no report (exit ${status})`] };
  }
  const counts = report?.metadata?.vulnerabilities;
  if (counts) {
    const summary = Object.entries(counts)
      .filter(([severity]) => severity !== "total")
      .map(([severity, n]) => `${severity} ${n}`)
      .join(", ");
    const lines = [`dependency audit (production): ${summary}`];
    const blocking = (counts.high ?? 0) + (counts.critical ?? 0);
    if (blocking === 0 && status === 0) return { ok: true, lines };
    for (const [name, finding] of Object.entries(report.vulnerabilities ?? {})) {
      if (finding.severity === "high" || finding.severity === "critical")
        lines.push(`  ${finding.severity}: ${name} ${finding.range ?? ""}`);
    }
    lines.push("dependency audit: FAILED (high or critical advisories in production dependencies)");
    return { ok: false, lines };
  }
  if (report?.statusCode === 405) {
    const message = `dependency audit: NOT CHECKED, the registry does not serve the advisory API (${report.uri ?? "advisories endpoint"} answered 405)`;
    if (requireAnswer) return { ok: false, lines: [`${message}; REQUIRE_DEPENDENCY_AUDIT=1 makes that a failure`] };
    return {
      ok: true,
      lines: [`${message}. Run CI where the registry answers (the GitHub workflow requires it).`],
    };
  }
  return {
    ok: false,
    lines: [
      `dependency audit: FAILED, the registry answered ${report?.statusCode ?? "an error"} (${report?.code ?? "no code"})`,
    ],
  };
}
