/**
 * The last pass over every OCSF event before it leaves the request (invariant 2, docs/architecture.md). The facts'
 * types already keep credentials and content out; this pass makes a future field unable to leak one:
 * - fields whose name says credential or content are dropped, at any depth;
 * - secret-shaped substrings are masked in every string: JWTs, our API keys, HTTP auth parameters,
 *   PEM blocks, well-known vendor key prefixes, and long mixed-case base64 runs (a random secret);
 * - strings are capped, so no field can carry a file's worth of text.
 * Lowercase hex (content hashes, etags) and ordinary paths survive: they are evidence, not secrets.
 *
 * It runs on every event of every request (and again in the queue consumer), so the common case is made
 * cheap without weakening it: a necessary condition decides whether a string needs the replacements at
 * all (one of the patterns' literal anchors, or a 32+ run that has an upper-case letter: request ids,
 * UUIDs, hashes and paths have none), and strings that came out unchanged are remembered per isolate
 * (most fields repeat: class names, tenants, paths, user agents). Only clean strings are remembered, so
 * the set never holds a secret; it is bounded and simply starts over when full.
 */
// Header names exactly (`authorizations`, OCSF's decision list, is not a credential); the rest anywhere.
const FORBIDDEN_KEY =
  /^(?:authorization|proxy-authorization|cookie|set-cookie|dpop|content|body|text|data)$|token|secret|password|passwd|api[-_]?key|private[-_]?key|signature/i;

const SECRET_PATTERNS: readonly RegExp[] = [
  // JWS compact serialization (RFC 7515 §7.1): header.payload.signature, header always starts eyJ.
  /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g,
  // Our API keys: r2mcp_<keyId16>_<secret32+>.
  /r2mcp_[A-Za-z0-9_-]{8,}/g,
  // An auth scheme followed by its credential (RFC 9110 §11.4).
  /\b(?:Bearer|bearer|BEARER|Basic|basic|DPoP|Splunk|ApiKey|Token)\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
];

// 32+ characters of base64/base64url with upper case, lower case and digits: how random secrets look.
const LONG_RANDOM = /[A-Za-z0-9+/_=-]{32,}/g;
const MAX_STRING = 1024;
// Every SECRET_PATTERNS entry contains one of these literals (a new pattern must add its own here; the
// tests' list of secrets fails otherwise): no anchor, no match.
const SECRET_ANCHORS =
  /eyJ|r2mcp_|Bearer|bearer|BEARER|Basic|basic|DPoP|Splunk|ApiKey|Token|-----BEGIN|AKIA|ASIA|[spr]k_(?:live|test)_|gh[pousr]_|xox[abprs]-/;
const RUN_MIN = 32;
const KNOWN_CLEAN_MAX_ENTRIES = 4096;
const KNOWN_CLEAN_MAX_LENGTH = 256;
const knownClean = new Set<string>();
const KEY_VERDICTS_MAX_ENTRIES = 1024;
const forbiddenKeyVerdicts = new Map<string, boolean>();
const MAX_DEPTH = 8;

export const REDACTED = "[redacted]";

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Whether LONG_RANDOM could redact anything here: a run of RUN_MIN+ of its characters with an upper-case letter. */
function hasLongRunWithUpperCase(value: string): boolean {
  let run = 0;
  let upper = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isUpper = c >= 65 && c <= 90;
    const inRun =
      isUpper ||
      (c >= 97 && c <= 122) ||
      (c >= 48 && c <= 57) ||
      c === 43 ||
      c === 47 ||
      c === 95 ||
      c === 61 ||
      c === 45;
    if (!inRun) {
      if (run >= RUN_MIN && upper) return true;
      run = 0;
      upper = false;
      continue;
    }
    run++;
    upper ||= isUpper;
  }
  return run >= RUN_MIN && upper;
}

/** Every pattern over the whole (capped) string: what the shortcuts below must always agree with. */
export function redactStringFully(value: string): string {
  let clean = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  for (const pattern of SECRET_PATTERNS) clean = clean.replace(pattern, REDACTED);
  return clean.replace(LONG_RANDOM, (run) => (looksRandom(run) ? REDACTED : run));
}

function redactUncached(value: string): string {
  const capped = value.length > MAX_STRING ? value.slice(0, MAX_STRING) : value;
  if (!SECRET_ANCHORS.test(capped) && !hasLongRunWithUpperCase(capped)) {
    return capped === value ? value : `${capped}…`;
  }
  return redactStringFully(value);
}

export function redactString(value: string): string {
  if (knownClean.has(value)) return value;
  const clean = redactUncached(value);
  if (clean === value && value.length <= KNOWN_CLEAN_MAX_LENGTH) {
    if (knownClean.size >= KNOWN_CLEAN_MAX_ENTRIES) knownClean.clear();
    knownClean.add(value);
  }
  return clean;
}

function isForbiddenKey(key: string): boolean {
  let verdict = forbiddenKeyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = FORBIDDEN_KEY.test(key);
    if (forbiddenKeyVerdicts.size >= KEY_VERDICTS_MAX_ENTRIES) forbiddenKeyVerdicts.clear();
    forbiddenKeyVerdicts.set(key, verdict);
  }
  return verdict;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactValue(item, depth + 1));
  const clean: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || isForbiddenKey(key)) continue;
    clean[key] = redactValue(item, depth + 1);
  }
  return clean;
}

/** A deep copy of `event` with nothing secret-shaped left in it. */
export function redactEvent<T extends Record<string, unknown>>(event: T): T {
  return redactValue(event, 0) as T;
}
