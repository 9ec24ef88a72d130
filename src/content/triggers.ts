/**
 * How a detector's trigger finds candidate positions without a regex pass over the whole text: V8's
 * `indexOf` skips through text several times faster than a regex tries every position (over 4 MiB:
 * 0.1–1.5 ms against 4–6 ms, measured in Node; docs/performance.md), so a pattern is only tried where
 * something cheap said it could match. A JavaScript loop over every character is slower than either.
 *
 * - A literal, or several (`["AKIA", "ASIA"]`): their occurrences in order.
 * - An anchored pattern: a sticky regex tried only where one of its anchors occurs (`lead` characters
 *   into the match). Every match of the pattern must contain an anchor at that offset.
 * - A region pattern: a global regex run only over the maximal runs of one character class that are at
 *   least `minLength` long and hold `minDigits` digits (card numbers, SSNs and telephone numbers share
 *   the runs of `[0-9 ().-]`; IBANs run in those of `[A-Z0-9 ]`). Every match must lie inside such a
 *   run, and the pattern may look at most `before`/`after` characters outside its match (lookbehind,
 *   lookahead). Both kinds of run are found in one pass over the text's bytes (byte-runs.ts).
 * - A global regex over the whole text, where no anchor or region fits (one pass each).
 *
 * Each runner reports exactly the matches a global regex over the whole text would, in order, each
 * start at or after where the previous candidate's check said to resume (test/unit/content/triggers
 * checks that equivalence on generated text), and examines each character a bounded number of times.
 */
import { findTextRuns } from "./byte-runs";
import type { CharClass } from "./detectors/char-classes";

/** A literal and where in a match it sits (`["_pat_", 6]`: six characters into `github_pat_`). */
export type Anchor = string | readonly [text: string, lead: number];

export interface AnchoredPattern {
  /** Anchors should start with a rare character: indexOf stops at every occurrence of the first. */
  readonly anchors: readonly Anchor[];
  /** Sticky (`y`): tried exactly at `anchor - lead`. */
  readonly pattern: RegExp;
  /**
   * The character every match starts with, when the anchor is not at the start: a candidate starting
   * with another is skipped without running the pattern (the `_` of `ghp_` is found thousands of
   * times in code; a regex run costs far more than one character compare).
   */
  readonly first?: string;
}

/**
 * Maximal runs of one character class, found once per scan (byte-runs.ts, for both regions in one pass)
 * and shared by the patterns inside them.
 */
export interface Region {
  /** Which of the kernel's two run kinds this is (byte-runs.wat hard-codes their classes and limits). */
  readonly kind: "number" | "iban";
  /** The class, and the limits below, as the kernel applies them (a test holds the two together). */
  readonly chars: CharClass;
  /** The shortest match of any pattern within; shorter runs are skipped. */
  readonly minLength: number;
  /** The fewest digits of any pattern's match; runs with fewer are skipped. */
  readonly minDigits: number;
  /** How far the patterns' lookbehind and lookahead reach outside a match. */
  readonly before: number;
  readonly after: number;
}

export interface RegionPattern {
  readonly within: Region;
  /** The fewest digits a match holds; runs with fewer are skipped. */
  readonly minDigits: number;
  /** Global (`g`); every match lies inside one run of `within`. */
  readonly pattern: RegExp;
}

/** A maximal run `[start, end)` of a region's characters, with its digit count. */
export interface Run {
  readonly start: number;
  readonly end: number;
  readonly digits: number;
}

/** A `RegExp` (global) is a pass over the whole text: only where nothing cheaper applies. */
export type Trigger = string | readonly string[] | AnchoredPattern | RegionPattern | RegExp;

/**
 * Called for each candidate with its start, matched text and (for patterns) the match; returns where
 * the next candidate may start at the earliest (undefined: right after this match).
 */
export type OnCandidate = (start: number, matched: string, groups?: RegExpExecArray) => number | undefined;

export function runTrigger(
  text: string,
  trigger: Trigger,
  onCandidate: OnCandidate,
  runsOf: (region: Region) => readonly Run[] = (region) => findRuns(text, region),
): void {
  if (typeof trigger === "string") runLiteral(text, trigger, onCandidate);
  else if (Array.isArray(trigger)) runLiterals(text, trigger as readonly string[], undefined, onCandidate);
  else if (trigger instanceof RegExp) runPattern(text, trigger, onCandidate);
  else if ("within" in trigger) runRegionPattern(text, trigger, runsOf(trigger.within), onCandidate);
  else {
    const anchored = trigger as AnchoredPattern;
    runLiterals(text, anchored.anchors, anchored.pattern, onCandidate, anchored.first);
  }
}

function runPattern(text: string, pattern: RegExp, onCandidate: OnCandidate): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const resume = onCandidate(match.index, match[0], match);
    if (resume !== undefined && resume > pattern.lastIndex) pattern.lastIndex = resume;
    // An empty match would loop forever; no trigger has one, but never trust that.
    else if (match[0].length === 0) pattern.lastIndex++;
  }
}

/**
 * One literal's occurrences: runLiterals with a single anchor, lead 0 and no pattern, without its
 * merging (the `=`, `:`, `+` and `@` triggers stop tens of thousands of times in 4 MiB).
 */
function runLiteral(text: string, literal: string, onCandidate: OnCandidate): void {
  const step = Math.max(literal.length, 1);
  let cursor = 0;
  for (let at = text.indexOf(literal); at !== -1; at = text.indexOf(literal, Math.max(at + 1, cursor))) {
    if (at >= cursor) {
      const resume = onCandidate(at, literal);
      cursor = Math.max(at + step, resume ?? 0);
    }
  }
}

/** The anchors' occurrences merged in the order of the candidates they give (each searched forward once). */
function runLiterals(
  text: string,
  anchors: readonly Anchor[],
  sticky: RegExp | undefined,
  onCandidate: OnCandidate,
  first?: string,
): void {
  const firstCode = first === undefined ? -1 : first.charCodeAt(0);
  const texts = anchors.map((anchor) => (typeof anchor === "string" ? anchor : anchor[0]));
  const leads = anchors.map((anchor) => (typeof anchor === "string" ? 0 : anchor[1]));
  const next = texts.map((anchor) => text.indexOf(anchor));
  let cursor = 0;
  for (;;) {
    let which = -1;
    for (let index = 0; index < next.length; index++) {
      const at = next[index]!;
      if (at !== -1 && (which === -1 || at - leads[index]! < next[which]! - leads[which]!)) which = index;
    }
    if (which === -1) return;
    const anchor = texts[which]!;
    const lead = leads[which]!;
    const at = next[which]!;
    const start = at - lead;
    if (start >= cursor) {
      let matched: string | undefined = anchor;
      let groups: RegExpExecArray | undefined;
      if (sticky && firstCode !== -1 && text.charCodeAt(start) !== firstCode) matched = undefined;
      else if (sticky) {
        sticky.lastIndex = start;
        groups = sticky.exec(text) ?? undefined;
        matched = groups?.[0];
      }
      if (matched !== undefined) {
        const resume = onCandidate(start, matched, groups);
        cursor = Math.max(start + Math.max(matched.length, 1), resume ?? 0);
      }
    }
    next[which] = text.indexOf(anchor, Math.max(at + 1, cursor + lead));
  }
}

/** The runs of `region` at least `minLength` long holding `minDigits` digits, in order. */
export function findRuns(text: string, region: Region): readonly Run[] {
  return findTextRuns(text)[region.kind];
}

function runRegionPattern(text: string, trigger: RegionPattern, runs: readonly Run[], onCandidate: OnCandidate): void {
  let cursor = 0;
  for (const run of runs) {
    if (run.digits >= trigger.minDigits && run.end > cursor) {
      cursor = matchIn(text, Math.max(run.start, cursor), run.end, trigger, onCandidate);
    }
  }
  trigger.pattern.lastIndex = 0;
}

/** The pattern's matches inside the run `[from, end)`, seen through a slice with the lookaround context. */
function matchIn(text: string, from: number, end: number, trigger: RegionPattern, onCandidate: OnCandidate): number {
  const { pattern } = trigger;
  const { before, after } = trigger.within;
  const sliceStart = Math.max(0, from - before);
  const window = text.slice(sliceStart, Math.min(text.length, end + after));
  let cursor = from;
  pattern.lastIndex = from - sliceStart;
  for (let match = pattern.exec(window); match !== null; match = pattern.exec(window)) {
    const start = sliceStart + match.index;
    if (start >= end) break;
    const resume = onCandidate(start, match[0], match);
    cursor = Math.max(start + Math.max(match[0].length, 1), resume ?? 0);
    if (cursor >= end) break;
    pattern.lastIndex = cursor - sliceStart;
  }
  return cursor;
}
