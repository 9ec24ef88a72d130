/**
 * Caller-supplied path string → `SandboxPath`, the canonical, tenant-relative form that is the only
 * thing the sandbox accepts. The class has a module-private constructor token, so nothing outside this
 * file can make one from an unchecked string, at compile time or at run time (invariant 1, docs/architecture.md).
 *
 * Rules, each refusal naming the rule (the reference filesystem server's CVEs were a string-prefix
 * containment check and an error path that approved what it could not verify; we have no containment
 * check at all: a canonical path cannot leave the tenant root because it cannot contain `..`):
 * - Unicode NFC; must be well-formed UTF-16 (no lone surrogates).
 * - No NUL or control characters, no backslashes (a Windows separator to some consumers).
 * - No `..` segments, and no segment whose compatibility form (NFKC) is `.`/`..` or holds a separator
 *   (fullwidth `．．`, `／`, `∕`): harmless to R2, but a trap for anything that syncs files to a disk.
 * - `.` segments, empty segments and a leading `/` are dropped; ``, `.`, `/` name the root.
 * - Bounded: R2 keys are at most 1024 bytes and the tenant prefix and trash folder need room.
 * - Invisible characters (invisible-characters.ts: bidi controls, zero-width and other default-ignorable
 *   code points) are refused only in names being created or written (`assertCreatableName`, called by
 *   the sandbox wherever a name comes into being), so files that already have one stay readable,
 *   movable and deletable. Such names are shown escaped (`display`, `displayName`: `\u{202E}`), and that
 *   escaped form is accepted back as input for the same name.
 */
import { ToolError } from "../errors/tool-error";
import { codePointLabel, escapeInvisible, firstInvisible, unescapeInvisible } from "./invisible-characters";

export const MAX_PATH_BYTES = 700;
export const MAX_SEGMENT_BYTES = 255;
export const MAX_PATH_DEPTH = 48;

export type PathRule =
  | "invalid_unicode"
  | "control_character"
  | "backslash"
  | "dot_dot_segment"
  | "lookalike_separator"
  | "path_too_long"
  | "segment_too_long"
  | "too_deep"
  | "root_not_allowed"
  | "invisible_character"
  | "not_a_string";

const RULE_MESSAGES: Record<PathRule, string> = {
  invalid_unicode: "must be valid Unicode text",
  control_character: "must not contain NUL or control characters",
  backslash: "must use '/' as the separator, not '\\'",
  dot_dot_segment: "must not contain '..' segments (paths are relative to your root and cannot leave it)",
  lookalike_separator: "must not contain characters that look like '/', '\\' or '..'",
  path_too_long: `must be at most ${MAX_PATH_BYTES} bytes of UTF-8`,
  segment_too_long: `must not have a name longer than ${MAX_SEGMENT_BYTES} bytes of UTF-8`,
  too_deep: `must not be more than ${MAX_PATH_DEPTH} levels deep`,
  root_not_allowed: "must name a file, not the root directory",
  invisible_character:
    "must not give a new name invisible or text-direction characters (bidi controls, zero-width or other default-ignorable characters)",
  not_a_string: "must be a string",
};

export class PathRefusedError extends ToolError {
  constructor(
    readonly rule: PathRule,
    readonly parameter: string,
    /** The offending character as `U+XXXX`, where one is to blame (never the path itself). */
    readonly codePoint?: string,
  ) {
    super(
      "invalid_path",
      `Path in '${parameter}' ${RULE_MESSAGES[rule]}${codePoint ? `; it has ${codePoint}` : ""} (rule: ${rule}).`,
      { rule, parameter, ...(codePoint ? { codePoint } : {}) },
    );
  }
}

const constructorToken = Symbol("SandboxPath");
const encoder = new TextEncoder();
// C0 and C1 control characters plus DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Slash and backslash look-alikes that NFKC leaves alone (fraction slash, division slash, set minus,
// big solidi); the fullwidth and small forms are caught by NFKC below.
const SEPARATOR_LOOKALIKES = /[\u2044\u2215\u2216\u29f5\u29f8\u29f9]/;

export class SandboxPath {
  private constructor(
    token: symbol,
    /** Canonical segments; empty for the root. */
    readonly segments: readonly string[],
  ) {
    if (token !== constructorToken) throw new TypeError("SandboxPath can only be made by parseSandboxPath");
    Object.freeze(this);
  }

  static root(): SandboxPath {
    return fromCanonicalSegments([]);
  }

  /** @internal only this module holds the token. */
  static make(token: symbol, segments: readonly string[]): SandboxPath {
    return new SandboxPath(token, Object.freeze([...segments]));
  }

  get isRoot(): boolean {
    return this.segments.length === 0;
  }

  /** `a/b/c`; the empty string for the root. Never starts or ends with `/`. */
  get relative(): string {
    return this.segments.join("/");
  }

  /** What callers see: `/a/b/c`, `/` for the root; invisible characters escaped (`\u{202E}`). */
  get display(): string {
    return `/${escapeInvisible(this.relative)}`;
  }

  /** The stored name (for content types, sorting and keys); never shown to anyone as is. */
  get name(): string {
    return this.segments.at(-1) ?? "";
  }

  /** The name as callers see it, escaped like `display`. */
  get displayName(): string {
    return escapeInvisible(this.name);
  }

  parent(): SandboxPath {
    return fromCanonicalSegments(this.segments.slice(0, -1));
  }

  /** Ancestors from the shallowest, excluding the root and this path. */
  ancestors(): SandboxPath[] {
    return this.segments.slice(0, -1).map((_, i) => fromCanonicalSegments(this.segments.slice(0, i + 1)));
  }

  /** Joins a name read back from storage (already canonical when it was written). */
  child(name: string): SandboxPath {
    return parseSandboxPath(`${this.relative}/${name}`, "child");
  }

  isSameOrAncestorOf(other: SandboxPath): boolean {
    return this.segments.length <= other.segments.length && this.segments.every((s, i) => other.segments[i] === s);
  }
}

function fromCanonicalSegments(segments: readonly string[]): SandboxPath {
  return SandboxPath.make(constructorToken, segments);
}

function checkSegment(segment: string, parameter: string): void {
  if (segment === "..") throw new PathRefusedError("dot_dot_segment", parameter);
  const compat = segment.normalize("NFKC");
  if (compat === "." || compat === ".." || /[/\\]/.test(compat) || SEPARATOR_LOOKALIKES.test(compat)) {
    throw new PathRefusedError("lookalike_separator", parameter);
  }
  if (encoder.encode(segment).length > MAX_SEGMENT_BYTES) throw new PathRefusedError("segment_too_long", parameter);
}

/**
 * Refuses `path` as the name of something being created or written when a segment has an invisible
 * character (invisible-characters.ts). Reading, listing, deleting and moving away from such a path stay
 * allowed, so a file that already has such a name is never stranded.
 */
export function assertCreatableName(path: SandboxPath, parameter: string): void {
  for (const segment of path.segments) {
    const codePoint = firstInvisible(segment);
    if (codePoint !== undefined)
      throw new PathRefusedError("invisible_character", parameter, codePointLabel(codePoint));
  }
}

/**
 * Pure. `parameter` names the tool argument, so refusals say which one was wrong.
 * `allowRoot: false` where a file is meant.
 */
export function parseSandboxPath(raw: unknown, parameter: string, options: { allowRoot?: boolean } = {}): SandboxPath {
  if (typeof raw !== "string") throw new PathRefusedError("not_a_string", parameter);
  if (!raw.isWellFormed()) throw new PathRefusedError("invalid_unicode", parameter);
  // A listed name comes back with its invisible characters escaped; it means the stored name.
  const text = unescapeInvisible(raw).normalize("NFC");
  if (CONTROL.test(text)) throw new PathRefusedError("control_character", parameter);
  if (text.includes("\\")) throw new PathRefusedError("backslash", parameter);
  if (encoder.encode(text).length > MAX_PATH_BYTES) throw new PathRefusedError("path_too_long", parameter);
  const segments: string[] = [];
  for (const segment of text.split("/")) {
    if (segment === "" || segment === ".") continue;
    checkSegment(segment, parameter);
    segments.push(segment);
  }
  if (segments.length > MAX_PATH_DEPTH) throw new PathRefusedError("too_deep", parameter);
  if (segments.length === 0 && options.allowRoot === false) throw new PathRefusedError("root_not_allowed", parameter);
  return fromCanonicalSegments(segments);
}
