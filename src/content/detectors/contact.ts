/**
 * E-mail addresses and telephone numbers.
 *
 * E-mail: triggered on `@` and parsed outwards within RFC 5321's limits (64-character local part, 253-
 * character domain), stopping at the next `@` either way, so every character is looked at a bounded
 * number of times. Not reported: URL user-info (`git+ssh://git@host`), scp-style remotes
 * (`git@github.com:org/repo`), package specifiers (`lodash@4.17.21`, `logo@2x.png`) and the reserved
 * documentation domains (RFC 2606/6761: example.com, *.test, *.invalid, localhost).
 *
 * Telephone: international numbers written with `+` (E.164: 8-15 digits in at most six groups), and
 * North American numbers in one of their printed forms (`(212) 555-0147`, `212-555-0147`, `212.555.0147`,
 * optional leading `1`). Ten bare digits are as likely a timestamp or an id and are not reported.
 */
import type { Detector } from "../finding";
import { charClass, isIn, runEnd, runStart } from "./char-classes";
import { NUMBER_RUNS } from "./number-runs";

const LOCAL_CHARS = charClass("A-Za-z0-9._%+-");
const DOMAIN_CHARS = charClass("A-Za-z0-9.-");
const ALNUM = charClass("A-Za-z0-9");
/** File extensions that are not top-level domains (`icon@2x.png`, `pkg@1.0.0.tgz`). */
const NOT_TLDS = new Set([
  "js",
  "mjs",
  "cjs",
  "ts",
  "tsx",
  "jsx",
  "json",
  "map",
  "css",
  "scss",
  "less",
  "html",
  "htm",
  "png",
  "jpg",
  "jpeg",
  "gif",
  "svg",
  "webp",
  "ico",
  "tgz",
  "gz",
  "zip",
  "tar",
  "lock",
  "yaml",
  "yml",
  "toml",
  "txt",
  "vue",
  "wasm",
  "woff",
  "woff2",
  "ttf",
  "otf",
  "mp3",
  "mp4",
  "pdf",
  "exe",
  "dll",
  "so",
  "dylib",
  "jar",
  "class",
]);
const RESERVED = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$/i;
/** Machine identities, not people: service accounts and commit addresses that hide the person's own. */
const MACHINE_DOMAINS = /(?:^|\.)(?:gserviceaccount\.com|users\.noreply\.github\.com)$/i;

export const emailAddress: Detector = {
  ids: ["email-address"],
  category: "pii",
  trigger: "@",
  check(context, at, _matched, emit) {
    const { text } = context;
    let start = runStart(text, at, LOCAL_CHARS, 65);
    if (at - start > 64) return undefined;
    while (start < at && text[start] === ".") start++;
    if (start === at || text[at - 1] === ".") return undefined;
    // URL user-info (`scheme://user:password@host`, `git+ssh://git@host`); `mailto:` is an address.
    const before = text[start - 1];
    if ((before === ":" || before === "/") && !text.startsWith("mailto:", start - 7)) return undefined;
    let end = runEnd(text, at + 1, DOMAIN_CHARS, 254);
    while (end > at + 1 && (text[end - 1] === "." || text[end - 1] === "-")) end--;
    const domain = text.slice(at + 1, end);
    const labels = domain.split(".");
    const tld = labels.at(-1)!;
    if (
      labels.length < 2 ||
      domain.length > 253 ||
      labels.some((label) => label === "" || label.length > 63 || label.startsWith("-") || label.endsWith("-")) ||
      !/^[A-Za-z]{2,24}$/.test(tld) ||
      NOT_TLDS.has(tld.toLowerCase()) ||
      RESERVED.test(domain) ||
      MACHINE_DOMAINS.test(domain) ||
      (text[end] === ":" && isIn(text, end + 1, ALNUM)) ||
      text[end] === "@"
    ) {
      return end;
    }
    emit({ detector: "email-address", category: "pii", start, end });
    return end;
  },
};

const PHONE_CHARS = charClass("0-9 .()-");
const DIGIT = charClass("0-9");

export const internationalPhone: Detector = {
  ids: ["phone-number"],
  category: "pii",
  trigger: "+",
  check(context, start, _matched, emit) {
    const { text } = context;
    const first = text.charCodeAt(start + 1);
    if (first < 49 || first > 57) return undefined; // +1 … +9
    if (start > 0 && (isIn(text, start - 1, ALNUM) || text[start - 1] === "+")) return undefined;
    let end = runEnd(text, start + 1, PHONE_CHARS, 24);
    while (end > start + 1 && !/\d/.test(text[end - 1]!)) end--;
    if (isIn(text, end, ALNUM) || (text[end] === "." && /\d/.test(text[end + 1] ?? ""))) return end;
    // Fewer than eight digits is no number: said without building the groups (`+1 +1 +1 …` stays cheap).
    let digitCount = 0;
    for (let index = start + 1; index < end; index++) if (isIn(text, index, DIGIT)) digitCount++;
    if (digitCount < 8) return end;
    const body = text.slice(start + 1, end);
    const groups = body.split(/[ .()-]+/).filter((group) => group !== "");
    const digits = groups.join("").length;
    const separatorsOk = !/[ .-]{2}|[.-][ .-]|\(\)/.test(body.replace(/\) /g, ")").replace(/ \(/g, "("));
    if (
      digits >= 8 &&
      digits <= 15 &&
      groups.length <= 6 &&
      separatorsOk &&
      groups[0]!.length <= 4 &&
      groups.slice(1).every((group) => group.length <= 10)
    ) {
      emit({ detector: "phone-number", category: "pii", start, end });
    }
    return end;
  },
};

export const northAmericanPhone: Detector = {
  ids: ["phone-number"],
  category: "pii",
  trigger: {
    within: NUMBER_RUNS,
    minDigits: 10,
    pattern: /(?<![\w.+-])(?:1[-. ])?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}([-. ]))[2-9]\d{2}([-. ])\d{4}(?![\w-]|[.,]\d)/g,
  },
  check(_context, start, candidate, emit, groups) {
    const [, first, second] = groups!;
    if (first !== undefined && first !== second) return undefined;
    // Exchange 555 is reserved for fiction and directory assistance (NANPA): examples, not people.
    if (/^(?:1[-. ])?(?:\(\d{3}\) ?|\d{3}[-. ])555[-. ]/.test(candidate)) return undefined;
    emit({ detector: "phone-number", category: "pii", start, end: start + candidate.length });
    return undefined;
  },
};
