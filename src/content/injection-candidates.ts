/**
 * Where an injection marker (untrusted-text.ts) can start, found without a case-insensitive regex pass
 * over the whole text: that pass tries its ten first letters (`i`, `d`, `f` in both cases, `<`, `[`, …)
 * at every position and cost 5–9 ms per 4 MiB, the dearest single pass of a read after the scan.
 *
 * Every marker starts at one of:
 * - an override phrase's verb (`ignore`, `disregard`, `forget`, any case): all three hold a `g`, found
 *   with indexOf of `g` and `G` and the word compared around it (ASCII only: a case-insensitive regex
 *   without the `u` flag matches an ASCII letter only by an ASCII letter);
 * - `<` (`<|…|>`, `<<SYS>>`, `<tool_call>`, `<invoke …`), `[` (`[INST]`), a blank line (`\n\nHuman:`);
 * - the `"` of `"tool_calls" : [`, found back from its `[` (13 to 19 characters before it).
 *
 * The candidates come in increasing order, and the marker pattern (sticky) is tried only there, so the
 * markers found are exactly those of the global pattern (test/unit/content/injection-candidates.test.ts
 * compares the two on generated text). Each source searches forward from where it last stopped, so
 * every character is looked at a bounded number of times: linear in the text.
 */

/**
 * The markers: case-insensitive, every quantifier bounded. The phrases are the common shapes of published
 * prompt-injection payloads; the tokens are the chat templates of the widely used model families.
 */
export const INJECTION_MARKERS =
  /(ignore|disregard|forget)\s{1,3}(?:all\s{1,3}|any\s{1,3})?(?:of\s{1,3})?(?:the\s{1,3}|your\s{1,3})?(?:previous|prior|above|earlier|preceding|system)\s{1,3}(?:instructions|prompts?|messages|directions|rules|context)|(<\|(?:im_start|im_end|system|user|assistant|begin_of_text|start_header_id|end_header_id|eot_id|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>|\n\n(?:Human|Assistant):)|(<\/?(?:tool_call|tool_use|tool_result|function_calls|function_call)>|<invoke\s{1,3}name=|"tool_calls"\s{0,3}:\s{0,3}\[)/gi;

/**
 * The smallest candidate at or after `from` (called with non-decreasing `from`), -1 for none, or
 * GAVE_UP when the work budget is spent.
 */
type Source = (from: number) => number;

const GAVE_UP = -3;

/** Anchors visited and candidates tried, counted down; below zero the search gives up. */
interface Work {
  left: number;
}

/** Occurrences of `needle` (start offset 0), remembered so a later `from` never searches again. */
function occurrences(text: string, needle: string, work: Work): Source {
  let known = -2; // not searched yet
  return (from) => {
    if (known === -1 || known >= from) return known;
    if (--work.left < 0) return GAVE_UP;
    known = text.indexOf(needle, from);
    return known;
  };
}

/** Whether `word` (lower-case ASCII) is at `start`, ignoring the case of ASCII letters only. */
function wordAt(text: string, start: number, word: string): boolean {
  if (start < 0 || start + word.length > text.length) return false;
  for (let index = 0; index < word.length; index++) {
    const code = text.charCodeAt(start + index);
    if ((code >= 65 && code <= 90 ? code + 32 : code) !== word.charCodeAt(index)) return false;
  }
  return true;
}

const LOWER_I = 105;
const LOWER_E = 101;
const LOWER_R = 114;

/** Starts of `ignore`, `disregard`, `forget` in any case, through their `g`. */
function verbs(text: string, work: Work): Source {
  const lower = occurrences(text, "g", work);
  const upper = occurrences(text, "G", work);
  let known = -2;
  return (from) => {
    if (known === -1 || known >= from) return known;
    // `g` sits 1 (ignore), 3 (forget) or 5 (disregard) characters into its verb.
    let at = from + 1;
    for (;;) {
      const g = earliest(lower(at), upper(at));
      if (g < 0) {
        known = g;
        return known;
      }
      // The letter before the `g` tells which verb it can be: at most one.
      const before = text.charCodeAt(g - 1) | 0x20; // only compared with lower-case letters
      const start =
        before === LOWER_I && wordAt(text, g - 1, "ignore")
          ? g - 1
          : before === LOWER_R && wordAt(text, g - 3, "forget")
            ? g - 3
            : before === LOWER_E && wordAt(text, g - 5, "disregard")
              ? g - 5
              : -1;
      if (start >= from) {
        known = start;
        return known;
      }
      at = g + 1;
    }
  };
}

const TOOL_CALLS = '"tool_calls"';
/** `\s{0,3}:\s{0,3}` between `"tool_calls"` and `[`: 1 to 7 characters. */
const MAX_GAP = 7;

/** Starts of `"tool_calls"` followed, 1 to 7 characters on, by `[` (the marker's last character). */
function toolCalls(text: string, work: Work): Source {
  const brackets = occurrences(text, "[", work);
  let known = -2;
  return (from) => {
    if (known === -1 || known >= from) return known;
    let at = from + TOOL_CALLS.length + 1;
    for (;;) {
      const bracket = brackets(at);
      if (bracket < 0) {
        known = bracket;
        return known;
      }
      const last = bracket - TOOL_CALLS.length - 1;
      for (let start = Math.max(from, bracket - TOOL_CALLS.length - MAX_GAP); start <= last; start++) {
        if (
          text.charCodeAt(start) === 34 &&
          text.charCodeAt(start + 11) === 34 &&
          wordAt(text, start + 1, "tool_calls")
        ) {
          known = start;
          return known;
        }
      }
      at = bracket + 1;
    }
  };
}

/** The earlier of two positions (-1: none); GAVE_UP wins. */
function earliest(a: number, b: number): number {
  if (a === GAVE_UP || b === GAVE_UP) return GAVE_UP;
  if (a === -1) return b;
  if (b === -1) return a;
  return Math.min(a, b);
}

const TRY_COST = 8;

const LESS_THAN = 60;
const BRACKET = 91;
const NEWLINE = 10;
const BAR = 124;
const SLASH = 47;
const [A, F, H, I, T] = ["a", "f", "h", "i", "t"].map((letter) => letter.charCodeAt(0));

/**
 * Whether a marker can start at a candidate, by the characters after it: every marker starting with `<`
 * has `|`, `<`, `/`, `t`, `f` or `i` next; with `[`, `/` or `i`; a blank line is followed by `Human:` or
 * `Assistant:` (letters in either case: the pattern ignores case). Verbs and `"tool_calls"` were checked
 * by their sources.
 */
function mayStartMarker(text: string, start: number): boolean {
  const first = text.charCodeAt(start);
  const next = text.charCodeAt(start + 1);
  // Setting bit 5 lower-cases an ASCII letter and turns no other character into one.
  const nextLetter = next | 0x20;
  if (first === LESS_THAN) {
    return (
      next === BAR || next === LESS_THAN || next === SLASH || nextLetter === T || nextLetter === F || nextLetter === I
    );
  }
  if (first === BRACKET) return next === SLASH || nextLetter === I;
  if (first === NEWLINE) {
    const third = text.charCodeAt(start + 2) | 0x20;
    return next === NEWLINE && (third === H || third === A);
  }
  return true;
}

/**
 * Calls `tryAt` at every candidate start in increasing order, from `tryAt`'s answer on (where the next
 * marker may start: after the one just found, or the next position; -1 to stop). After `budget` anchors
 * visited and candidates tried (a hostile text has one on every character), it stops and answers the
 * position from which the caller searches the rest with the whole-text pattern; otherwise -1.
 */
export function forEachInjectionCandidate(text: string, budget: number, tryAt: (start: number) => number): number {
  const work: Work = { left: budget };
  const sources: Source[] = [
    verbs(text, work),
    occurrences(text, "<", work),
    occurrences(text, "[", work),
    occurrences(text, "\n\n", work),
    toolCalls(text, work),
  ];
  let from = 0;
  while (from !== -1 && from <= text.length) {
    let next = -1;
    for (const source of sources) next = earliest(next, source(from));
    if (next === -1) return -1;
    if (next === GAVE_UP || --work.left < 0) return from;
    if (!mayStartMarker(text, next)) {
      from = next + 1;
      continue;
    }
    // A try of the pattern costs several times an anchor visited (a call, a match object).
    work.left -= TRY_COST;
    if (work.left < 0) return from;
    from = tryAt(next);
  }
  return -1;
}
