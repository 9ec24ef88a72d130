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
/** Base64, line breaks (real or JSON-escaped), armour headers such as `Proc-Type: 4,ENCRYPTED`. */
const BODY_CHARS = charClass("A-Za-z0-9+/=\r\n\\ \t:,-");
const BASE64_CHARS = charClass("A-Za-z0-9+/");
/** A 16 KiB RSA key is under 13 KiB of PEM; PGP secret key blocks with sub-keys stay well below this. */
const LOWER_HEX = charClass("0-9a-f");
const MAX_BLOCK = 64 * 1024;
const MIN_BODY_BASE64 = 64;

function countBase64(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = from; index < to; index++) {
    const code = text.charCodeAt(index);
    if (code < 128 && BASE64_CHARS[code] === 1) count++;
  }
  return count;
}

export const privateKeys: Detector = {
  ids: ["private-key", "gcp-service-account"],
  category: "secret",
  trigger: "-----BEGIN ",
  check(context, start, matched, emit) {
    const { text } = context;
    const labelStart = start + matched.length;
    const labelEnd = runEnd(text, labelStart, LABEL_CHARS, 64);
    const label = text.slice(labelStart, labelEnd);
    if (!text.startsWith("-----", labelEnd) || !/PRIVATE KEY/.test(label)) return labelEnd;
    const bodyStart = labelEnd + 5;
    const endMarker = `-----END ${label}-----`;
    const endAt = text.indexOf(endMarker, bodyStart);
    let end: number;
    if (endAt !== -1 && endAt - bodyStart <= MAX_BLOCK) {
      end = endAt + endMarker.length;
    } else {
      // No END line within reach: the body runs as far as base64 and line breaks do.
      end = runEnd(text, bodyStart, BODY_CHARS, MAX_BLOCK);
      while (end > bodyStart && /[\s\\]/.test(text[end - 1]!)) end--;
    }
    if (countBase64(text, bodyStart, endAt !== -1 && end > endAt ? endAt : end) < MIN_BODY_BASE64) return end;
    const inServiceAccount =
      text.slice(Math.max(0, start - 24), start).includes('"private_key"') &&
      context.mentions("service_account");
    emit({ detector: inServiceAccount ? "gcp-service-account" : "private-key", category: "secret", start, end });
    return end;
  },
};

/** A service-account key file's `private_key_id` (40 hex), which names the key to revoke. */
export const gcpServiceAccount: Detector = {
  ids: ["gcp-service-account"],
  category: "secret",
  trigger: /"private_key_id"\s{0,4}:\s{0,4}"/g,
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
