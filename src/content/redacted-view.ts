/**
 * The redacted view: the text a caller is allowed to see, computed from the stored text and the spans
 * its policy redacts. Each redacted span becomes `[REDACTED:<detector>]` followed by the span's own line
 * breaks, so the view has exactly the stored text's lines — line N of the view is line N of the file —
 * and paged reads, search line numbers and edit diffs agree whichever tool computed them.
 *
 * The view also maps back: a range of the view that touches no placeholder corresponds to exactly one
 * range of the stored text (edits are applied through that map, see view-edits.ts).
 */
import type { Finding } from "./finding";

export const PLACEHOLDER_PREFIX = "[REDACTED:";

export function placeholder(detector: string): string {
  return `${PLACEHOLDER_PREFIX}${detector}]`;
}

/** Any placeholder this product writes; detector ids are lower-case words joined by dashes. */
export const PLACEHOLDER_PATTERN = /\[REDACTED:([a-z0-9][a-z0-9-]{0,63})\]/g;

export interface RedactedSpan {
  readonly detector: string;
  readonly category: Finding["category"];
  /** The span in the stored text. */
  readonly start: number;
  readonly end: number;
  /** The placeholder (and the span's line breaks) in the view. */
  readonly viewStart: number;
  readonly viewEnd: number;
}

export interface RedactedView {
  readonly text: string;
  /** Ascending, non-overlapping. Empty when nothing was redacted (then `text` is the stored text). */
  readonly spans: readonly RedactedSpan[];
}

/** The line breaks inside `text[start, end)`, in order (`\n`, or `\r\n` kept whole). */
function lineBreaks(text: string, start: number, end: number): string {
  let breaks = "";
  for (let index = text.indexOf("\n", start); index !== -1 && index < end; index = text.indexOf("\n", index + 1)) {
    breaks += index > start && text[index - 1] === "\r" ? "\r\n" : "\n";
  }
  return breaks;
}

/** `findings` must be sorted and non-overlapping (as `scanText` returns them). */
export function redactedView(text: string, findings: readonly Finding[]): RedactedView {
  if (findings.length === 0) return { text, spans: [] };
  const parts: string[] = [];
  const spans: RedactedSpan[] = [];
  let stored = 0;
  let view = 0;
  for (const finding of findings) {
    const kept = text.slice(stored, finding.start);
    parts.push(kept);
    view += kept.length;
    const shown = placeholder(finding.detector) + lineBreaks(text, finding.start, finding.end);
    parts.push(shown);
    spans.push({
      detector: finding.detector,
      category: finding.category,
      start: finding.start,
      end: finding.end,
      viewStart: view,
      viewEnd: view + shown.length,
    });
    view += shown.length;
    stored = finding.end;
  }
  parts.push(text.slice(stored));
  return { text: parts.join(""), spans };
}

/** The first redacted span a view range `[start, end)` overlaps (an empty range: one it sits inside). */
export function spanTouching(view: RedactedView, start: number, end: number): RedactedSpan | undefined {
  return view.spans.find((span) =>
    end === start ? span.viewStart < start && start < span.viewEnd : span.viewStart < end && start < span.viewEnd,
  );
}

/** 1-based line number of a view offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) line++;
  return line;
}
