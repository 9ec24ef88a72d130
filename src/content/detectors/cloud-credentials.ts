/**
 * Cloud credentials that have no prefix of their own: an AWS secret access key (40 base64 characters,
 * reported only within a kilobyte of an AWS access key id or right after an AWS secret-key name: alone,
 * forty characters are as likely a hash) and the key inside an Azure storage or Service Bus connection
 * string.
 */
import type { Detector, Finding, ScanContext } from "../finding";
import { BASE64, charClass, hasMixedClasses, runEnd } from "./char-classes";

/** How far from an access key id its secret may be (the same credentials block, a few lines apart). */
const KEY_ID_DISTANCE = 1024;
/** How far after `aws_secret_access_key` and its operator and quotes the value may start. */
const AFTER_NAME = 16;
const AZURE_KEY_CHARS = charClass("A-Za-z0-9+/=");
const SECRET_KEY_SHAPE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function reportSecrets(window: string, offset: number, emit: (finding: Finding) => void): void {
  SECRET_KEY_SHAPE.lastIndex = 0;
  for (let match = SECRET_KEY_SHAPE.exec(window); match !== null; match = SECRET_KEY_SHAPE.exec(window)) {
    // Random base64 has all three classes; a 40-hex git SHA or a word run does not.
    if (hasMixedClasses(match[0]) && !match[0].includes("EXAMPLE")) {
      emit({
        detector: "aws-secret-access-key",
        category: "secret",
        start: offset + match.index,
        end: offset + match.index + 40,
      });
    }
  }
}

/**
 * Called for each AWS access key id: reports 40-character secrets within KEY_ID_DISTANCE of it. Windows
 * of neighbouring key ids overlap; the part already searched is skipped, so the text is searched once.
 */
export function reportSecretsNearKeyId(
  context: ScanContext,
  keyIdStart: number,
  emit: (finding: Finding) => void,
): void {
  const { text } = context;
  // Start a little before the searched-to mark so a secret straddling it is still seen whole.
  const from = Math.max(keyIdStart - KEY_ID_DISTANCE, context.awsSecretsSearchedTo - 40, 0);
  const to = Math.min(text.length, keyIdStart + KEY_ID_DISTANCE);
  if (to <= from) return;
  const window = text.slice(Math.max(0, from - 1), Math.min(text.length, to + 1));
  const offset = Math.max(0, from - 1);
  reportSecrets(window, offset, emit);
  context.awsSecretsSearchedTo = to;
}

/** `aws_secret_access_key = …`, `"SecretAccessKey": "…"`, `AWS_SECRET_ACCESS_KEY=…`. */
export const awsSecretAccessKey: Detector = {
  ids: ["aws-secret-access-key"],
  category: "secret",
  // A regex pass: every anchor these names share starts with a common letter (`e`, `c`, `K`…).
  trigger: /[Ss]ecret_?[Aa]ccess_?[Kk]ey|SECRET_ACCESS_KEY/g,
  check(context, start, matched, emit) {
    const { text } = context;
    const from = start + matched.length;
    const window = text.slice(from - 1, Math.min(text.length, from + AFTER_NAME + 41));
    SECRET_KEY_SHAPE.lastIndex = 0;
    const value = SECRET_KEY_SHAPE.exec(window);
    if (
      value &&
      value.index <= AFTER_NAME + 1 &&
      !window.slice(0, value.index).includes("\n") &&
      hasMixedClasses(value[0]) &&
      !value[0].includes("EXAMPLE")
    ) {
      emit({
        detector: "aws-secret-access-key",
        category: "secret",
        start: from - 1 + value.index,
        end: from - 1 + value.index + 40,
      });
    }
    return undefined;
  },
};

/** `AccountKey=<base64 of 64 bytes>` (storage) and `SharedAccessKey=<base64 of 32 bytes>` (Service Bus, Event Hubs). */
export const azureConnectionString: Detector = {
  ids: ["azure-connection-string"],
  category: "secret",
  // Anchored on `Key=`: indexOf skips fastest to a rare first character, and `A`/`S` are common.
  trigger: "Key=",
  check(context, at, matched, emit) {
    const { text } = context;
    if (!text.startsWith("Account", at - 7) && !text.startsWith("SharedAccess", at - 12)) return undefined;
    const start = at + matched.length;
    const end = runEnd(text, start, AZURE_KEY_CHARS, 256);
    const base64End = runEnd(text, start, BASE64, 256);
    if (end - start >= 43 && hasMixedClasses(text, start, base64End)) {
      emit({ detector: "azure-connection-string", category: "secret", start, end });
    }
    return end;
  },
};
