/**
 * Where card numbers, US SSNs and North American telephone numbers can be: runs of digits and the
 * characters they are printed with (`4111 1111…`, `078-05-1120`, `(212) 456-7890`), at least nine long
 * (the shortest, an SSN). The scan finds these runs once (byte-runs.ts) and each detector's pattern runs
 * only inside them, instead of three regex passes over the whole text (triggers.ts).
 */
import type { Region } from "../triggers";
import { charClass } from "./char-classes";

export const NUMBER_RUNS: Region = {
  kind: "number",
  chars: charClass("0-9 ().-"),
  minLength: 9,
  minDigits: 9,
  // The patterns' lookbehind reads one character before a match, their lookahead two after it.
  before: 1,
  after: 2,
};
