/**
 * Sensitive data in the audit trail: what a call's content held, as labels (categories, detector ids,
 * counts, flags, what was redacted) — never the matched text, never a position. File Hosting events
 * carry it in OCSF's data-security shape on their `file`; each file with findings also yields a
 * Detection Finding (`sensitive_data`), so a SIEM sees who was shown or refused what.
 */
import type { Category } from "../content/finding";

export interface ContentSummary {
  readonly path: string;
  readonly action: "read" | "write";
  readonly categories: readonly Category[];
  /**
   * Findings per detector, and spans shown redacted per detector. Lists, not maps: the trail's redaction
   * pass drops any field whose *name* says secret or key (src/audit/redaction.ts), and detector ids do.
   */
  readonly detectors: readonly DetectorCount[];
  readonly redacted: readonly DetectorCount[];
  readonly flags: readonly string[];
}

export interface DetectorCount {
  readonly id: string;
  readonly count: number;
}

export function toCounts(counts: Readonly<Record<string, number>>): DetectorCount[] {
  return Object.entries(counts).map(([id, count]) => ({ id, count }));
}

export function total(counts: readonly DetectorCount[]): number {
  return counts.reduce((sum, entry) => sum + entry.count, 0);
}

const FINANCIAL = new Set(["payment-card", "iban"]);

/** OCSF `data_security` (a `data_classification`): category and confidentiality ids, the detectors as pattern. */
export function dataSecurityOf(summary: ContentSummary): Record<string, unknown> {
  const detectors = summary.detectors.map((entry) => entry.id);
  const secret = summary.categories.includes("secret");
  const financial = detectors.some((id) => FINANCIAL.has(id));
  const [categoryId, category] = secret
    ? [99, "Secret"]
    : financial
      ? [3, "Financial"]
      : summary.categories.includes("pii")
        ? [1, "Personal"]
        : [0, "Unknown"];
  // confidentiality_id: 3 Secret, 5 Private, 1 Not Confidential.
  const [confidentialityId, confidentiality] = secret
    ? [3, "Secret"]
    : summary.categories.length > 0
      ? [5, "Private"]
      : [1, "Not Confidential"];
  return {
    category_id: categoryId,
    category,
    confidentiality_id: confidentialityId,
    confidentiality,
    detection_system: "r2-files dlp",
    detection_pattern: detectors.join(","),
    total: total(summary.detectors),
  };
}

export function hasFindings(summary: ContentSummary): boolean {
  return summary.categories.length > 0 || summary.flags.length > 0;
}
