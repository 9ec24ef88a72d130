/**
 * Tokens recognised by their issuer's prefix, in one trigger pass: GitHub, GitLab, Slack, Stripe live
 * keys, npm, OpenAI and Anthropic API keys, JWTs, this product's `r2mcp_` keys and AWS access key ids.
 *
 * Each candidate's run of token characters is measured once and the scan resumes after it, so a file
 * made of prefixes ("eyJeyJeyJ…") costs one pass. Validation is what each issuer guarantees: GitHub and
 * npm tokens carry a CRC-32 checksum; a JWT's header is base64url JSON naming an `alg`; a random key has
 * upper case, lower case and digits, which a placeholder such as `sk_live_xxxxxxxx…` lacks.
 */
import { base62Crc32Valid, decodeBase64Url } from "../checksums";
import type { Detector, Finding, ScanContext } from "../finding";
import type { Trigger } from "../triggers";
import { ALNUM, BASE64URL, charClass, hasMixedClasses, isIn, runEnd, UPPER_BASE32 } from "./char-classes";
import { reportSecretsNearKeyId } from "./cloud-credentials";

/** Characters that continue an identifier-like token: a prefix preceded by one is inside another word. */
const TOKEN_CONTINUATION = charClass("A-Za-z0-9_-");
const SLACK_CHARS = charClass("A-Za-z0-9-");
const GITLAB_CHARS = charClass("A-Za-z0-9_.-");
const JWT_CHARS = charClass("A-Za-z0-9_.-");
const WORD_CHARS = charClass("A-Za-z0-9_");
/** Longest token examined; a longer run is not a credential we know. */
const MAX_TOKEN = 4096;
const MAX_JWT = 16_384;

type Emit = (finding: Finding) => void;

function secret(detector: string, start: number, end: number): Finding {
  return { detector, category: "secret", start, end };
}

/** GitHub classic-style tokens and npm tokens: prefix + 30 random base62 + 6 checksum characters. */
function checksummedToken(text: string, start: number, prefixLength: number, detector: string, emit: Emit): number {
  const bodyStart = start + prefixLength;
  const end = runEnd(text, bodyStart, WORD_CHARS, MAX_TOKEN);
  if (end - bodyStart === 36 && runEnd(text, bodyStart, ALNUM, 36) === end) {
    const body = text.slice(bodyStart, end);
    if (base62Crc32Valid(body.slice(0, 30), body.slice(30))) emit(secret(detector, start, end));
  }
  return end;
}

function githubFineGrained(text: string, start: number, emit: Emit): number {
  const bodyStart = start + "github_pat_".length;
  const end = runEnd(text, bodyStart, WORD_CHARS, MAX_TOKEN);
  if (end - bodyStart === 82 && text.charCodeAt(bodyStart + 22) === 95 && hasMixedClasses(text, bodyStart, end)) {
    emit(secret("github-token", start, end));
  }
  return end;
}

function gitlab(text: string, start: number, prefixLength: number, emit: Emit): number {
  const bodyStart = start + prefixLength;
  const end = runEnd(text, bodyStart, GITLAB_CHARS, MAX_TOKEN);
  // Trailing dots belong to the sentence, not the token.
  let last = end;
  while (last > bodyStart && text.charCodeAt(last - 1) === 46) last--;
  const length = last - bodyStart;
  if (length >= 20 && length <= 128 && hasMixedClasses(text, bodyStart, last))
    emit(secret("gitlab-token", start, last));
  return end;
}

/** `xoxb-<team>-<bot>-<secret24>`, `xoxp-<n>-<n>-<n>-<hex32>`, …: numeric groups, then a long tail. */
function slack(text: string, start: number, emit: Emit): number {
  const end = runEnd(text, start + 5, SLACK_CHARS, MAX_TOKEN);
  const parts = text.slice(start + 5, end).split("-");
  const numeric = parts.slice(0, -1);
  const tail = parts.at(-1) ?? "";
  if (
    numeric.length >= 2 &&
    numeric.every((part) => /^\d{1,16}$/.test(part)) &&
    numeric[0]!.length >= 8 &&
    tail.length >= 24 &&
    tail.length <= 64 &&
    /^[A-Za-z0-9]+$/.test(tail)
  ) {
    emit(secret("slack-token", start, end));
  }
  return end;
}

function stripe(text: string, start: number, emit: Emit): number {
  const bodyStart = start + 8; // sk_live_ / rk_live_
  const end = runEnd(text, bodyStart, WORD_CHARS, MAX_TOKEN);
  const length = end - bodyStart;
  if (length >= 24 && length <= 247 && runEnd(text, bodyStart, ALNUM, length) === end) {
    if (hasMixedClasses(text, bodyStart, end)) emit(secret("stripe-live-key", start, end));
  }
  return end;
}

/**
 * `sk-…` keys. Anthropic: `sk-ant-<kind><nn>-` and 80+ base64url characters. OpenAI: project, service
 * account and admin keys (`sk-proj-`, `sk-svcacct-`, `sk-admin-`) or any key carrying `T3BlbkFJ`
 * (base64 of "OpenAI"); other providers' `sk-` keys of 32+ mixed characters are reported as `sk-api-key`.
 */
function skKey(text: string, start: number, emit: Emit): number {
  const bodyStart = start + 3;
  const end = runEnd(text, bodyStart, BASE64URL, MAX_TOKEN);
  const body = text.slice(bodyStart, end);
  const anthropic = /^ant-[a-z]{2,12}\d{2}-([A-Za-z0-9_-]{80,})$/.exec(body);
  if (anthropic) {
    if (hasMixedClasses(anthropic[1]!)) emit(secret("anthropic-api-key", start, end));
    return end;
  }
  const openAiKind = /^(?:proj|svcacct|admin|None)-([A-Za-z0-9_-]{40,})$/.exec(body);
  if ((openAiKind && hasMixedClasses(openAiKind[1]!)) || (body.length >= 40 && body.includes("T3BlbkFJ"))) {
    emit(secret("openai-api-key", start, end));
    return end;
  }
  if (body.length >= 32 && body.length <= 256 && /^[A-Za-z0-9]+$/.test(body) && hasMixedClasses(body)) {
    emit(secret("sk-api-key", start, end));
  }
  return end;
}

/** `r2mcp_<keyId16>_<secret32+>` (docs/authentication.md). */
function r2mcp(text: string, start: number, emit: Emit): number {
  const bodyStart = start + 6;
  const end = runEnd(text, bodyStart, WORD_CHARS, MAX_TOKEN);
  if (/^[A-Za-z0-9]{16}_[A-Za-z0-9]{32,512}$/.test(text.slice(bodyStart, end))) {
    emit(secret("r2mcp-api-key", start, end));
  }
  return end;
}

/** A JWS (3 parts) or JWE (5 parts) whose protected header is a JSON object naming its `alg`. */
function jwt(text: string, start: number, emit: Emit): number {
  const end = runEnd(text, start, JWT_CHARS, MAX_JWT);
  let last = end;
  while (last > start && text.charCodeAt(last - 1) === 46) last--;
  const parts = text.slice(start, last).split(".");
  if ((parts.length === 3 || parts.length === 5) && parts[1]!.length >= 2 && parts[0]!.length <= 2048) {
    const header = decodeBase64Url(parts[0]!);
    if (header !== undefined && parts.every((part) => decodeBase64Url(part) !== undefined)) {
      try {
        const parsed: unknown = JSON.parse(header);
        if (typeof parsed === "object" && parsed !== null && typeof (parsed as { alg?: unknown }).alg === "string") {
          emit(secret("jwt", start, last));
        }
      } catch {
        // Not JSON: not a JWT.
      }
    }
  }
  return end;
}

/** `AKIA…` (long-term), `ASIA…` (temporary) and friends: 4 + 16 base32 upper-case characters. */
function awsKeyId(context: ScanContext, start: number, emit: Emit): number {
  const { text } = context;
  const end = runEnd(text, start + 4, UPPER_BASE32, 17);
  // AWS's documentation keys end in EXAMPLE (AKIAIOSFODNN7EXAMPLE); no issued key does.
  if (end - start === 20 && !isIn(text, end, ALNUM) && !text.startsWith("EXAMPLE", end - 7)) {
    emit(secret("aws-access-key-id", start, end));
    reportSecretsNearKeyId(context, start, emit);
  }
  return runEnd(text, end, ALNUM, MAX_TOKEN);
}

type TokenCheck = (context: ScanContext, start: number, matched: string, emit: Emit) => number | undefined;

/** A prefixed-token detector: the prefix must start a token, not continue one (`task-list` is no `sk-`). */
function prefixed(ids: readonly string[], trigger: Trigger, check: TokenCheck, lead = 0): Detector {
  return {
    ids,
    category: "secret",
    trigger,
    check(context, at, matched, emit) {
      const start = at - lead;
      const { text } = context;
      if (start < 0) return undefined;
      if (start > 0 && isIn(text, start - 1, TOKEN_CONTINUATION)) {
        return runEnd(text, start, TOKEN_CONTINUATION, MAX_TOKEN);
      }
      return check(context, start, matched, emit);
    },
  };
}

export const githubTokens = prefixed(
  ["github-token"],
  // The underscore, three characters into `ghp_` and six into `github_pat_`: rarer than a `g`.
  {
    anchors: [
      ["_", 3],
      ["_pat_", 6],
    ],
    pattern: /gh[pousr]_|github_pat_/y,
    first: "g",
  },
  ({ text }, start, matched, emit) =>
    matched === "github_pat_"
      ? githubFineGrained(text, start, emit)
      : checksummedToken(text, start, 4, "github-token", emit),
);

export const gitlabTokens = prefixed(
  ["gitlab-token"],
  { anchors: ["gl"], pattern: /gl(?:pat|dt|rt|ptt|cbt|ft|oas|soat)-/y },
  ({ text }, start, matched, emit) => gitlab(text, start, matched.length, emit),
);

export const slackTokens = prefixed(["slack-token"], "xox", ({ text }, start, _matched, emit) =>
  /[abposre]/.test(text[start + 3] ?? "") && text[start + 4] === "-" ? slack(text, start, emit) : undefined,
);

/** Triggered on `_live_`, two characters into `sk_live_` / `rk_live_`. */
export const stripeKeys = prefixed(
  ["stripe-live-key"],
  "_live_",
  ({ text }, start, _matched, emit) =>
    text[start + 1] === "k" && (text[start] === "s" || text[start] === "r") ? stripe(text, start, emit) : undefined,
  2,
);

// Literal triggers start at their rarest characters (indexOf stops at every occurrence of the first
// one): the `_` of `npm_` and `r2mcp_`, `k-` one into `sk-`, `yJ` one into `eyJ`; the check confirms
// the characters before.
export const npmTokens = prefixed(
  ["npm-token"],
  "_",
  ({ text }, start, _matched, emit) =>
    text.startsWith("npm", start) ? checksummedToken(text, start, 4, "npm-token", emit) : undefined,
  3,
);

export const apiKeys = prefixed(
  ["openai-api-key", "anthropic-api-key", "sk-api-key"],
  "k-",
  ({ text }, start, _m, emit) => (text[start] === "s" ? skKey(text, start, emit) : undefined),
  1,
);

export const r2mcpKeys = prefixed(
  ["r2mcp-api-key"],
  "_",
  ({ text }, start, _m, emit) => (text.startsWith("r2mcp", start) ? r2mcp(text, start, emit) : undefined),
  5,
);

export const jwts = prefixed(
  ["jwt"],
  "yJ",
  ({ text }, start, _m, emit) => (text[start] === "e" ? jwt(text, start, emit) : undefined),
  1,
);

// Anchored on the last two letters, `IA` or `CA`, rarer first characters than the `A` they all start with.
export const awsKeyIds = prefixed(
  ["aws-access-key-id"],
  {
    anchors: [
      ["IA", 2],
      ["CA", 2],
    ],
    pattern: /A(?:KIA|SIA|BIA|CCA)/y,
    first: "A",
  },
  (context, start, _m, emit) => awsKeyId(context, start, emit),
);

export const PREFIXED_TOKENS: readonly Detector[] = [
  awsKeyIds,
  githubTokens,
  gitlabTokens,
  slackTokens,
  stripeKeys,
  npmTokens,
  apiKeys,
  r2mcpKeys,
  jwts,
];
