/**
 * The product's scan module with the detectors taken out, for the benchmark's "4 MiB read with
 * sensitive-data scanning / without" goal only: a bench-only build of the product (bench/lib/unscanned.mjs
 * aliases `../content/scan` here) reads the same file without scanning it, so the two reads can be
 * compared in one run. The product itself has no such switch.
 */
import type { Detector, Finding } from "../../src/content/finding";

export { mergeFindings } from "../../src/content/scan";

export function scanText(_text: string, _detectors?: readonly Detector[]): Finding[] {
  return [];
}
