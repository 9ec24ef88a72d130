/**
 * Private key blocks: PEM (PKCS#1, PKCS#8, SEC1, encrypted), OpenSSH and PGP, as files hold them or
 * escaped inside a JSON string (`"-----BEGIN PRIVATE KEY-----\nMII…`, as in a GCP service-account key,
 * which is reported as `gcp-service-account` when the text is one).
 *
 * The whole block is one finding, armour lines included: a key with its header removed is still a key.
 * A block needs a real body (64+ base64 characters) so documentation showing `-----BEGIN … KEY-----`
 * around "…" is not a key; a block whose END line is missing (a truncated paste) is reported up to the
 * end of its body, so the key material is covered either way.
 */
import type { Detector } from "../finding";
import { charClass, runEnd } from "./char-classes";

const LABEL_CHARS = charClass("A-Z0-9 ");
const BODY_LINE_CHARS = charClass("A-Za-z0-9+/=");
const BASE64_CHARS = charClass("A-Za-z0-9+/");
/** A 16 KiB RSA key is under 13 KiB of PEM; PGP secret key blocks with sub-keys stay well below this. */
const KNOWN_LABELS = new Set([
  "PRIVATE KEY",
  "RSA PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "OPENSSH PRIVATE KEY",
  "PGP PRIVATE KEY BLOCK",
  "SSH2 ENCRYPTED PRIVATE KEY",
]);
const LOWER_HEX = charClass("0-9a-f");
const MAX_BLOCK = 64 * 1024;
const MIN_BODY_BASE64 = 64;

/**
 * Whether `[from, to)` holds at least `atLeast` base64 characters. Stops counting once it has them: a
 * key body is a few KiB, and only the threshold matters.
 */
function holdsBase64(text: string, from: number, to: number, atLeast: number): boolean {
  let count = 0;
  for (let index = from; index < to && count < atLeast; index++) {
    const code = text.charCodeAt(index);
    if (code < 128 && BASE64_CHARS[code] === 1) count++;
  }
  return count >= atLeast;
}

/** The end of the next line break at `index` (`\n`, `\r\n`, or JSON's escaped `\\n`), or -1. */
function lineBreakEnd(text: string, index: number): number {
  if (text[index] === "\n") return index + 1;
  if (text[index] === "\r" && text[index + 1] === "\n") return index + 2;
  if (text[index] === "\\" && text[index + 1] === "n") return index + 2;
  return -1;
}

/**
 * A block whose END line is missing (a truncated paste): its body runs over lines of base64, after
 * optional armour headers (`Proc-Type: 4,ENCRYPTED`, PGP's `Version:`) and blank lines before the
 * first base64 line; it ends at the last base64 line. Prose after it is not part of the key.
 */
function truncatedBodyEnd(text: string, bodyStart: number): number {
  const limit = Math.min(text.length, bodyStart + MAX_BLOCK);
  let index = bodyStart;
  let end = bodyStart;
  let seenBase64 = false;
  let atLineStart = false;
  while (index < limit) {
    const next = lineBreakEnd(text, index);
    if (next !== -1) {
      // A blank line after the body ends it.
      if (seenBase64 && atLineStart) break;
      atLineStart = true;
      index = next;
      continue;
    }
    atLineStart = false;
    const lineEnd = runEnd(text, index, BODY_LINE_CHARS, limit - index);
    const breakAfter = lineBreakEnd(text, lineEnd);
    if (lineEnd > index && (breakAfter !== -1 || lineEnd === text.length)) {
      seenBase64 = true;
      end = lineEnd;
      index = lineEnd;
      continue;
    }
    if (seenBase64) break;
    // An armour header line before the body: skip it whole.
    let headerEnd = index;
    while (headerEnd < limit && lineBreakEnd(text, headerEnd) === -1) headerEnd++;
    if (!/^[A-Za-z-]{1,32}: /.test(text.slice(index, Math.min(headerEnd, index + 34)))) break;
    index = headerEnd;
  }
  return end;
}

export const privateKeys: Detector = {
  ids: ["private-key", "gcp-service-account"],
  category: "secret",
  // "BEGIN " rather than "-----BEGIN ": indexOf scans for the first character, and dashes are common.
  trigger: "BEGIN ",
  check(context, at, matched, emit) {
    const { text } = context;
    const start = at - 5;
    if (start < 0 || !text.startsWith("-----", start)) return undefined;
    const labelStart = at + matched.length;
    const labelEnd = runEnd(text, labelStart, LABEL_CHARS, 64);
    const label = text.slice(labelStart, labelEnd);
    if (!text.startsWith("-----", labelEnd) || !/PRIVATE KEY/.test(label)) return labelEnd;
    const bodyStart = labelEnd + 5;
    const endMarker = `-----END ${label}-----`;
    // Only known labels look for their END line (one search per label per scan, see findAfter); any
    // other "… PRIVATE KEY" block is taken as far as its body goes.
    const endAt = KNOWN_LABELS.has(label) ? context.findAfter(endMarker, bodyStart) : -1;
    let end: number;
    if (endAt !== -1 && endAt - bodyStart <= MAX_BLOCK) {
      end = endAt + endMarker.length;
    } else {
      end = truncatedBodyEnd(text, bodyStart);
    }
    if (!holdsBase64(text, bodyStart, endAt !== -1 && end > endAt ? endAt : end, MIN_BODY_BASE64)) return end;
    const inServiceAccount =
      text.slice(Math.max(0, start - 24), start).includes('"private_key"') && context.mentions("service_account");
    emit({ detector: inServiceAccount ? "gcp-service-account" : "private-key", category: "secret", start, end });
    return end;
  },
};

/** A service-account key file's `private_key_id` (40 hex), which names the key to revoke. */
export const gcpServiceAccount: Detector = {
  ids: ["gcp-service-account"],
  category: "secret",
  trigger: { anchors: [["_key_i", 8]], pattern: /"private_key_id"\s{0,4}:\s{0,4}"/y, first: '"' },
  check(context, at, matched, emit) {
    const { text } = context;
    const start = at + matched.length;
    const end = runEnd(text, start, LOWER_HEX, 41);
    if (end - start === 40 && text.charCodeAt(end) === 34 && context.mentions("service_account")) {
      emit({ detector: "gcp-service-account", category: "secret", start, end });
    }
    return end;
  },
};
