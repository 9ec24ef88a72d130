/**
 * The last pass over every OCSF event before it leaves the request (invariant 2, docs/architecture.md). The facts'
 * types already keep credentials and content out; this pass makes a future field unable to leak one:
 * - fields whose name says credential or content are dropped, at any depth;
 * - secret-shaped substrings are masked in every string: JWTs, our API keys, HTTP auth parameters,
 *   PEM blocks, well-known vendor key prefixes, and long mixed-case base64 runs (a random secret);
 * - strings are capped, so no field can carry a file's worth of text.
 * Lowercase hex (content hashes, etags) and ordinary paths survive: they are evidence, not secrets.
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
const MAX_DEPTH = 8;

export const REDACTED = "[redacted]";

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

export function redactString(value: string): string {
  let clean = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  for (const pattern of SECRET_PATTERNS) clean = clean.replace(pattern, REDACTED);
  return clean.replace(LONG_RANDOM, (run) => (looksRandom(run) ? REDACTED : run));
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactValue(item, depth + 1));
  const clean: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined || FORBIDDEN_KEY.test(key)) continue;
    clean[key] = redactValue(item, depth + 1);
  }
  return clean;
}

/** A deep copy of `event` with nothing secret-shaped left in it. */
export function redactEvent<T extends Record<string, unknown>>(event: T): T {
  return redactValue(event, 0) as T;
}
