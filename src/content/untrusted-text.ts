/**
 * File content is untrusted input to the agent reading it. Two things are done to every text that
 * leaves storage (stored bytes are never changed):
 *
 * - Invisible characters that can hide instructions are shown escaped as `\u{XXXX}`: Unicode tag
 *   characters (U+E0000–E007F, "ASCII smuggling"), bidirectional embeddings, overrides and isolates
 *   (U+202A–202E, U+2066–2069: "Trojan Source", CVE-2021-42574), and zero-width characters (U+200B,
 *   U+2060, U+FEFF after the start) — U+200C/U+200D only in runs of two or more, since a single joiner
 *   belongs to emoji and Indic scripts. Escaping never adds or removes a line break.
 * - Known agent-injection markers are found (not changed): "ignore previous instructions"-style
 *   phrases, chat-template tokens (`<|im_start|>`, `[INST]`, `<<SYS>>`, …) and fake tool-call blocks.
 *
 * Both are reported as flags (`invisible-unicode`, `injection-marker`) that labels carry, `_meta`
 * shows, the audit trail records and a policy rule can refuse on.
 */

import { forEachInjectionCandidate, INJECTION_MARKERS } from "./injection-candidates";

export const FLAGS = ["invisible-unicode", "injection-marker"] as const;
export type ContentFlag = (typeof FLAGS)[number];

/** Tag characters are astral (surrogate pairs \uDB40\uDC00-\uDC7F); the rest are single code units. */
const INVISIBLE =
  /\uDB40[\uDC00-\uDC7F]|[\u202A-\u202E\u2066-\u2069]|[\u200B-\u200D\u2060\uFEFF]{2,}|[\u200B\u2060\uFEFF]/g;

function escapeCodePoint(char: string): string {
  let out = "";
  for (const codePoint of char) out += `\\u{${codePoint.codePointAt(0)!.toString(16).toUpperCase()}}`;
  return out;
}

export interface EscapedText {
  readonly text: string;
  /** How many invisible characters were escaped. */
  readonly escaped: number;
}

export function escapeInvisible(text: string): EscapedText {
  let escaped = 0;
  const out = text.replace(INVISIBLE, (char, offset: number) => {
    // A byte-order mark at the very start is an encoding marker, not hidden content.
    if (char === "\uFEFF" && offset === 0) return char;
    if (char.startsWith("\uFEFF") && offset === 0) {
      escaped += [...char].length - 1;
      return char[0] + escapeCodePoint(char.slice(1));
    }
    escaped += [...char].length;
    return escapeCodePoint(char);
  });
  return { text: escaped === 0 ? text : out, escaped };
}

export const INJECTION_KINDS = ["override-instructions", "chat-template-token", "tool-call-block"] as const;
export type InjectionKind = (typeof INJECTION_KINDS)[number];

export interface InjectionFinding {
  readonly kind: InjectionKind;
  /** 1-based line of the marker in the scanned text. */
  readonly line: number;
}

/** Tried only where a marker can start (injection-candidates.ts), not over the whole text. */
const INJECTION_AT = new RegExp(INJECTION_MARKERS.source, "iy");
/** The same pattern over the rest of a text dense with candidates (`<<<<…`), where it is cheaper. */
const INJECTION_REST = new RegExp(INJECTION_MARKERS.source, "gi");
/**
 * Work (anchors visited, 8 per pattern tried) before the rest of the text goes to the whole-text
 * pattern: a realistic text needs one unit in 40 characters or fewer (mostly `g`s that start no verb),
 * a hostile one has a candidate on every character, where a try each would cost many times the pass.
 */
const WORK_PER_CHARACTER = 1 / 8;

/** Markers found, at most `limit` (a file full of them is flagged just as well by the first ones). */
export function findInjectionMarkers(text: string, limit = 20): InjectionFinding[] {
  const found: InjectionFinding[] = [];
  let line = 1;
  let counted = 0;
  /** Records the marker; false when the limit is reached. */
  const record = (match: RegExpExecArray): boolean => {
    for (
      let index = text.indexOf("\n", counted);
      index !== -1 && index < match.index;
      index = text.indexOf("\n", index + 1)
    ) {
      line++;
    }
    counted = match.index;
    const kind: InjectionKind = match[1]
      ? "override-instructions"
      : match[2]
        ? "chat-template-token"
        : "tool-call-block";
    found.push({ kind, line: match[2]?.startsWith("\n") ? line + 2 : line });
    return found.length < limit;
  };
  const budget = 64 + text.length * WORK_PER_CHARACTER;
  const rest = forEachInjectionCandidate(text, budget, (start) => {
    INJECTION_AT.lastIndex = start;
    const match = INJECTION_AT.exec(text);
    if (match === null) return start + 1;
    return record(match) ? start + match[0].length : -1;
  });
  if (rest !== -1) {
    // From here on the global pattern finds exactly what the candidates would have.
    INJECTION_REST.lastIndex = rest;
    for (let match = INJECTION_REST.exec(text); match !== null && record(match); match = INJECTION_REST.exec(text));
  }
  return found;
}
