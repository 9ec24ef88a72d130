/**
 * Credentials written as configuration: a database URL with a password in it, and an assignment to a
 * password/secret/token-named key (`DB_PASSWORD=…`, `"client_secret": "…"`, `apiKey: '…'`).
 *
 * Only the value is reported (the placeholder then keeps `password=` readable). Precision comes from
 * refusing what configuration files are full of: variable references (`${DB_PASSWORD}`, `process.env.X`,
 * `{{ secret }}`), placeholders (`changeme`, `<password>`, `xxxx`), code (`password = userPassword`,
 * `getToken()`), prose, and values of low entropy (under 3 bits per character, or shorter than 8).
 */
import { shannonEntropy } from "../checksums";
import type { Detector, Finding, ScanContext } from "../finding";
import { charClass, equalsIgnoringCase, isIn, isOneOf, runEnd, runStart } from "./char-classes";

const IDENTIFIER = charClass("A-Za-z0-9_.-");
const MAX_IDENTIFIER = 64;
const MAX_VALUE = 256;
const MIN_VALUE = 8;
const MIN_ENTROPY = 3;

const SECRET_WORDS = ["password", "passwd", "pwd", "pass", "passphrase", "secret", "token"];
/** `<word> key` pairs that name a secret (`api_key`, `secretKey`, `PRIVATE_KEY`). */
const KEY_QUALIFIERS = ["api", "secret", "private", "access", "auth", "signing", "encryption", "master"];
const JOINED_KEYS = ["apikey", "secretkey", "privatekey", "accesskey", "authkey"];
/** Token-named fields that hold no secret: pagination cursors and counts. */
const NOT_SECRET_TOKENS = ["next", "page", "continuation", "cancellation", "sync", "max", "total", "num", "count"];
const PLACEHOLDER_WORDS = [
  "example",
  "changeme",
  "change_me",
  "placeholder",
  "your_",
  "your-",
  "yourpass",
  "redacted",
  "xxxx",
  "****",
  "dummy",
  "sample",
  "replace",
  "insert",
  "todo",
  "fixme",
  "...",
  "…",
  // A value that names what it is (`my-idp-secret`, `TOKEN_STRING`, `test-password-1`) is an example.
  "secret",
  "password",
  "passwd",
  "token",
  "test",
  "my-",
  "my_",
];
/** Any of PLACEHOLDER_WORDS, for a lower-cased value: one regex test instead of a search per word. */
const PLACEHOLDER_WORD = new RegExp(
  PLACEHOLDER_WORDS.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"),
);

const UPPER = charClass("A-Z");
const LOWER_OR_DIGIT = charClass("a-z0-9");
const SEPARATOR = charClass("_.-");

/** `end` moved back over the word separators (`_`, `.`, `-`) before it, not past `start`. */
function trimSeparators(text: string, start: number, end: number): number {
  let index = end;
  while (index > start && isIn(text, index - 1, SEPARATOR)) index--;
  return index;
}

/**
 * Where the word ending at `end` (after a letter or digit) starts, not before `start`: words are split
 * at separators and where a lower-case letter or digit meets an upper-case letter (`clientSecret`).
 */
function wordStart(text: string, start: number, end: number): number {
  let index = end - 1;
  while (
    index > start &&
    !isIn(text, index - 1, SEPARATOR) &&
    !(isIn(text, index, UPPER) && isIn(text, index - 1, LOWER_OR_DIGIT))
  ) {
    index--;
  }
  return index;
}

/**
 * Whether the identifier `text[start, end)` names a secret, judged by its last two words, lower-cased
 * (`DB_PASSWORD` → password, db; `clientSecret` → secret, client; `next_page_token` → token, page).
 */
export function namesSecret(text: string, start: number, end: number): boolean {
  // Read from the end, as far as the two words go, comparing in place (no slices: every name that ends
  // like a secret's gets here, thousands per scan of a configuration-heavy file).
  const lastEnd = trimSeparators(text, start, end);
  if (lastEnd === start) return false;
  const lastStart = wordStart(text, start, lastEnd);
  const previousEnd = trimSeparators(text, start, lastStart);
  const previousStart = previousEnd === start ? -1 : wordStart(text, start, previousEnd);
  const hasPrevious = previousStart !== -1;
  if (equalsIgnoringCase(text, lastStart, lastEnd, "token")) {
    return !hasPrevious || !isOneOf(text, previousStart, previousEnd, NOT_SECRET_TOKENS);
  }
  if (isOneOf(text, lastStart, lastEnd, SECRET_WORDS) || isOneOf(text, lastStart, lastEnd, JOINED_KEYS)) return true;
  return (
    equalsIgnoringCase(text, lastStart, lastEnd, "key") &&
    hasPrevious &&
    isOneOf(text, previousStart, previousEnd, KEY_QUALIFIERS)
  );
}

/** Whether the value, lower-cased, contains one of PLACEHOLDER_WORDS (`my-secret-token`, `CHANGEME`). */
export function containsPlaceholderWord(value: string): boolean {
  return PLACEHOLDER_WORD.test(value.toLowerCase());
}

/** A value that is a reference, a placeholder, code or prose rather than a literal secret. */
export function isPlaceholderValue(value: string, quoted: boolean): boolean {
  // First the words, which catch most placeholders in configuration files.
  if (containsPlaceholderWord(value)) return true;
  // References: `${X}`, `$X`, `%X%`, `%s`, `{{ x }}`, `<password>`, `[secret]`, `(x)`.
  if (/^[$&<[({`]|^\{\{|^%[A-Za-z_]\w*%$|^%(?:\(\w+\))?[sd]$/.test(value) || /[\s()<>]|\$\{/.test(value)) return true;
  // Paths: `PWD=/home/ci`, `key: ./certs/server.key`.
  if (/^(?:\/|~\/|\.\.?\/|[A-Za-z]:\\)/.test(value)) return true;
  // Unquoted property paths and generated names: `result.groups?.password`, `env?.TOKEN`, `Schema$1`.
  if (
    !quoted &&
    (/^[A-Za-z_$][A-Za-z_$]*(?:\??\.[A-Za-z_$][A-Za-z_$]*)+$/.test(value) ||
      /^[A-Za-z_]\w*\$\d*$/.test(value) ||
      /^(?:this|self)\./.test(value) ||
      value.includes("=="))
  ) {
    return true;
  }
  if (/^(.)\1+$/.test(value)) return true;
  // Unquoted letters-only or dotted names are code: `password = userPassword`, `token: config.token`.
  if (!quoted && /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(value) && !/\d/.test(value)) return true;
  if (
    /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value) &&
    /^(?:process|os|env|config|settings|this|self)\./i.test(value)
  ) {
    return true;
  }
  return false;
}

/**
 * Whether the value mixes at least two of lower case, upper case, digits and other characters: a word
 * or an enum constant (`MAXCOUNT`) has one. Stops at the second class seen.
 */
function mixesClasses(value: string): boolean {
  let seen = 0;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    const kind = code >= 97 && code <= 122 ? 1 : code >= 65 && code <= 90 ? 2 : code >= 48 && code <= 57 ? 4 : 8;
    seen |= kind;
    if (seen !== kind) return true;
  }
  return false;
}

export function isLiteralSecret(value: string, quoted: boolean): boolean {
  return (
    value.length >= MIN_VALUE &&
    value.length <= MAX_VALUE &&
    mixesClasses(value) &&
    !isPlaceholderValue(value, quoted) &&
    shannonEntropy(value) >= MIN_ENTROPY
  );
}

function skipSpaces(text: string, from: number, max: number): number {
  let index = from;
  while (index < from + max && (text[index] === " " || text[index] === "\t")) index++;
  return index;
}

/**
 * The words every name `namesSecret` accepts ends with, by their last letter (lower case): the cheap
 * test before parsing the name, one table lookup for most operators.
 */
const NAME_SUFFIXES_BY_ENDING: readonly (readonly string[] | undefined)[] = (() => {
  // Packed, one entry per ASCII code (a table with holes is read through a slower path).
  const table: (string[] | undefined)[] = Array.from({ length: 128 }, () => undefined);
  for (const suffix of ["password", "passwd", "pwd", "pass", "passphrase", "secret", "token", "key"]) {
    const ending = suffix.charCodeAt(suffix.length - 1);
    table[ending] = [...(table[ending] ?? []), suffix];
  }
  return table;
})();

function endsWithOneOf(text: string, end: number, words: readonly string[]): boolean {
  for (const word of words) if (equalsIgnoringCase(text, end - word.length, end, word)) return true;
  return false;
}

const EQUALS = 61;
const COLON = 58;
const SPACE = 32;
const TAB = 9;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;

/**
 * Triggered on the operator (`=`, `:`), not the name: indexOf over one character is the fastest search
 * V8 has, and most operators are rejected by looking at one character before them.
 */
function checkAssignment(context: ScanContext, operator: number, emit: (finding: Finding) => void): number | undefined {
  const { text } = context;
  const op = text.charCodeAt(operator);
  const next = text.charCodeAt(operator + 1);
  const previous = text.charCodeAt(operator - 1);
  let valueFrom: number;
  if (op === EQUALS) {
    // `==`, `!=`, `<=`, `>=` compare; `:=` is handled from its colon.
    if (
      next === EQUALS ||
      previous === EQUALS ||
      previous === 33 ||
      previous === 60 ||
      previous === 62 ||
      previous === COLON
    ) {
      return undefined;
    }
    valueFrom = next === 62 ? operator + 2 : operator + 1;
  } else {
    if (next === COLON || previous === COLON) return undefined;
    valueFrom = next === EQUALS ? operator + 2 : operator + 1;
  }
  let idEnd = operator;
  while (idEnd > 0 && operator - idEnd < 4) {
    const code = text.charCodeAt(idEnd - 1);
    if (code !== SPACE && code !== TAB) break;
    idEnd--;
  }
  const quoteCode = text.charCodeAt(idEnd - 1);
  if (quoteCode === DOUBLE_QUOTE || quoteCode === SINGLE_QUOTE) idEnd--;
  if (idEnd === 0) return undefined;
  const ending = text.charCodeAt(idEnd - 1) | 0x20;
  const suffixes = ending < 128 ? NAME_SUFFIXES_BY_ENDING[ending] : undefined;
  if (suffixes === undefined) return undefined;
  if (!endsWithOneOf(text, idEnd, suffixes)) return undefined;
  const idStart = runStart(text, idEnd, IDENTIFIER, MAX_IDENTIFIER + 1);
  if (idEnd - idStart > MAX_IDENTIFIER || !namesSecret(text, idStart, idEnd)) return undefined;

  const at = skipSpaces(text, valueFrom, 4);
  const quote = text[at];
  let valueStart: number;
  let valueEnd: number;
  if (quote === '"' || quote === "'" || quote === "`") {
    valueStart = at + 1;
    const close = text.indexOf(quote, valueStart);
    if (close === -1 || close - valueStart > MAX_VALUE) return valueStart;
    valueEnd = close;
  } else {
    valueStart = at;
    valueEnd = valueStart;
    while (valueEnd < text.length && valueEnd - valueStart <= MAX_VALUE && !stopsValue(text.charCodeAt(valueEnd))) {
      valueEnd++;
    }
  }
  const value = text.slice(valueStart, valueEnd);
  if (value.includes("\n")) return valueStart;
  // An unquoted value followed by an index or a call is an expression: `os.environ["X"]`, `getenv("X")`.
  if (quote !== '"' && quote !== "'" && quote !== "`" && (text[valueEnd] === "[" || text[valueEnd] === "("))
    return valueEnd;
  if (isLiteralSecret(value, quote === '"' || quote === "'" || quote === "`")) {
    emit({ detector: "password-assignment", category: "secret", start: valueStart, end: valueEnd });
  }
  return valueEnd;
}

const VALUE_STOP = charClass(" \t\n\r\v\f,;})[]\"'`");
const WHITE_SPACE = /\s/;

/** `[\s,;})[\]"'\`]`, by table for ASCII. */
function stopsValue(code: number): boolean {
  return code < 128 ? VALUE_STOP[code] === 1 : WHITE_SPACE.test(String.fromCharCode(code));
}

function assignmentDetector(operator: "=" | ":"): Detector {
  return {
    ids: ["password-assignment"],
    category: "secret",
    trigger: operator,
    check: (context, at, _matched, emit) => checkAssignment(context, at, emit),
  };
}

export const passwordAssignments: readonly Detector[] = [assignmentDetector("="), assignmentDetector(":")];

const USER_CHARS = charClass("A-Za-z0-9_.~%+!$&*=-");
const PASSWORD_STOP = /[@/\s"'`<>]/;
const SCHEME_CHARS = charClass("A-Za-z+");
const DATABASE_SCHEMES = [
  "postgres",
  "postgresql",
  "mysql",
  "mariadb",
  "mongodb",
  "mongodb+srv",
  "redis",
  "rediss",
  "amqp",
  "amqps",
  "mssql",
  "sqlserver",
  "cockroachdb",
  "clickhouse",
];
const URL_PLACEHOLDERS = new Set(["password", "pass", "passwd", "pwd", "secret", "pw"]);

export const databaseUrl: Detector = {
  ids: ["database-url"],
  category: "secret",
  trigger: "://",
  check(context, at, matched, emit) {
    const { text } = context;
    // Compared in place: `://` is mostly `https://`, thousands per file, and none of them needs a string.
    if (!isOneOf(text, runStart(text, at, SCHEME_CHARS, 17), at, DATABASE_SCHEMES)) return undefined;
    const userStart = at + matched.length;
    const userEnd = runEnd(text, userStart, USER_CHARS, 129);
    if (text[userEnd] !== ":" || userEnd - userStart > 128) return userEnd;
    const passwordStart = userEnd + 1;
    let passwordEnd = passwordStart;
    while (
      passwordEnd < text.length &&
      passwordEnd - passwordStart <= MAX_VALUE &&
      !PASSWORD_STOP.test(text[passwordEnd]!)
    ) {
      passwordEnd++;
    }
    if (text[passwordEnd] !== "@" || passwordEnd === passwordStart) return passwordEnd;
    const password = text.slice(passwordStart, passwordEnd);
    const user = text.slice(userStart, userEnd);
    const placeholder =
      password === user ||
      URL_PLACEHOLDERS.has(password.toLowerCase()) ||
      /^(?:[:$<{]|%[A-Za-z_]|[x*]+$)/i.test(password) ||
      containsPlaceholderWord(password);
    if (!placeholder) emit({ detector: "database-url", category: "secret", start: passwordStart, end: passwordEnd });
    return passwordEnd;
  },
};
