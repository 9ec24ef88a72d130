/**
 * The sensitive-data scan: every detector over the text, then overlapping findings merged into one span
 * named by the detector of highest precedence. The result is what the redacted view replaces and what a
 * label summarises; it is sorted and free of overlaps.
 *
 * Cost: each detector's trigger is an indexOf pass, a regex tried where an anchor occurs, or a pattern
 * run inside the runs one pass over the text's bytes found (triggers.ts, byte-runs.ts), and each check
 * is bounded (see `Detector`), so the scan is linear in the text with a small constant; bench `--dlp`
 * measures it in workerd.
 */

import { findTextRuns, type TextRuns } from "./byte-runs";
import { DEFAULT_DETECTORS, DETECTOR_PRECEDENCE } from "./detectors/index";
import type { Detector, Finding, ScanContext } from "./finding";
import { type Region, type Run, runTrigger } from "./triggers";

const RANK: ReadonlyMap<string, number> = new Map(DETECTOR_PRECEDENCE.map((id, index) => [id, index]));

function rank(finding: Finding): number {
  return RANK.get(finding.detector) ?? DETECTOR_PRECEDENCE.length;
}

function createContext(text: string): ScanContext {
  const mentioned = new Map<string, boolean>();
  const nextOccurrence = new Map<string, { from: number; at: number }>();
  return {
    text,
    awsSecretsSearchedTo: 0,
    mentions(needle) {
      let found = mentioned.get(needle);
      if (found === undefined) {
        found = text.includes(needle);
        mentioned.set(needle, found);
      }
      return found;
    },
    findAfter(needle, from) {
      const known = nextOccurrence.get(needle);
      // The answer for an earlier position holds for this one while it is not behind us (-1: none).
      if (known !== undefined && from >= known.from && (known.at === -1 || known.at >= from)) return known.at;
      const at = text.indexOf(needle, from);
      nextOccurrence.set(needle, { from, at });
      return at;
    },
  };
}

function runDetector(
  detector: Detector,
  context: ScanContext,
  runsOf: (region: Region) => readonly Run[],
  emit: (finding: Finding) => void,
): void {
  runTrigger(
    context.text,
    detector.trigger,
    (start, matched, groups) => detector.check(context, start, matched, emit, groups),
    runsOf,
  );
}

/** Sorted, non-overlapping findings; overlapping ones become one span named by the higher precedence. */
export function mergeFindings(findings: Finding[]): Finding[] {
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Finding[] = [];
  for (const finding of findings) {
    const last = merged.at(-1);
    if (last && finding.start < last.end) {
      const winner = rank(finding) < rank(last) ? finding : last;
      merged[merged.length - 1] = {
        detector: winner.detector,
        category: winner.category,
        start: last.start,
        end: Math.max(last.end, finding.end),
      };
    } else {
      merged.push(finding);
    }
  }
  return merged;
}

export function scanText(text: string, detectors: readonly Detector[] = DEFAULT_DETECTORS): Finding[] {
  const context = createContext(text);
  const findings: Finding[] = [];
  const emit = (finding: Finding) => {
    if (finding.end > finding.start) findings.push(finding);
  };
  // Both regions' runs are found in one pass, once, and shared by every detector whose pattern lies
  // inside them.
  let runs: TextRuns | undefined;
  const runsOf = (region: Region) => {
    runs ??= findTextRuns(text);
    return runs[region.kind];
  };
  for (const detector of detectors) runDetector(detector, context, runsOf, emit);
  return mergeFindings(findings);
}
