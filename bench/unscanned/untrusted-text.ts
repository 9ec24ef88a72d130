/**
 * The product's untrusted-text module without its passes over the text (invisible characters, injection
 * markers), for the benchmark's bench-only build without sensitive-data scanning (see ./scan.ts). The
 * constants and types are the product's own.
 */
import type { EscapedText, InjectionFinding } from "../../src/content/untrusted-text";

export {
  type ContentFlag,
  type EscapedText,
  FLAGS,
  INJECTION_KINDS,
  type InjectionFinding,
  type InjectionKind,
} from "../../src/content/untrusted-text";

export function escapeInvisible(text: string): EscapedText {
  return { text, escaped: 0 };
}

export function findInjectionMarkers(_text: string, _limit?: number): InjectionFinding[] {
  return [];
}
