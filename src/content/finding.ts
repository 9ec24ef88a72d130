/**
 * What a detector reports: a span of the scanned text (UTF-16 offsets, end exclusive), the detector that
 * found it and its category. Never the matched text: a finding travels into labels, audit events and
 * policy decisions, none of which may carry the secret itself.
 */

export const CATEGORIES = ["secret", "pii"] as const;
export type Category = (typeof CATEGORIES)[number];

export interface Finding {
  readonly detector: string;
  readonly category: Category;
  readonly start: number;
  readonly end: number;
}

/**
 * Facts shared by the detectors of one scan: how far a windowed search went (so windows around
 * neighbouring triggers are not searched twice), and whole-text facts computed at most once.
 */
export interface ScanContext {
  readonly text: string;
  /** How far the text was searched for AWS secret keys near key ids (windows never rescanned). */
  awsSecretsSearchedTo: number;
  /** Whether the text contains `needle` anywhere; computed once per needle per scan. */
  mentions(needle: string): boolean;
  /**
   * The first occurrence of `needle` at or after `from`, or -1. Remembered per needle, so a detector
   * asking again from a later position (as triggers move forward) never searches the same text twice.
   */
  findAfter(needle: string, from: number): number;
}

import type { Trigger } from "./triggers";

/**
 * One detector: a trigger that finds candidate positions cheaply, and a check that validates the
 * candidate and reports the span(s).
 *
 * Linear time is a property of the pair, not of the regex alone: every attempt of the trigger must be
 * bounded by a small constant (a literal prefix, bounded quantifiers over disjoint classes), and `check`
 * may look only at a bounded window around the trigger, or further ahead when it returns where the scan
 * resumes (then no character is examined twice by one detector).
 */
export interface Detector {
  /** The detector ids this detector reports (a family, such as the prefixed tokens, reports several). */
  readonly ids: readonly string[];
  readonly category: Category;
  /**
   * Literals found with indexOf, or a pattern tried only where an anchor or a run of its characters
   * says it could match (triggers.ts): never a regex over the whole text.
   */
  readonly trigger: Trigger;
  /**
   * Validates the candidate at `start` (`matched` is the trigger's text, `groups` a pattern's captures)
   * and returns the offset to resume the trigger at, when past the match's end.
   */
  check(
    context: ScanContext,
    start: number,
    matched: string,
    emit: (finding: Finding) => void,
    groups?: RegExpExecArray,
  ): number | undefined;
}
