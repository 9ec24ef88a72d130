/**
 * Where content leaves and enters storage on a caller's behalf, the sensitive-data part of the gate
 * (docs/sensitive-data.md): every text a caller reads is classified, judged by the policy's label rules,
 * redacted to the caller's view and escaped; every text written is classified, judged, and labelled in
 * the object's custom metadata. What was found (never the matched text) is recorded for the audit trail.
 *
 * - Reading: the whole object (under the read's byte cap) is decoded strictly as UTF-8; anything else is
 *   not text and is neither scanned nor shown as text. The label is computed fresh on every read (the
 *   view needs the spans anyway); when the stored label is missing, of an older classifier or differs,
 *   the object is labelled then, by rewriting it with the same bytes, conditional on its etag.
 * - Writing: content that is not UTF-8 text is labelled as nothing found. Content carrying the
 *   placeholder of a secret redacted in the file it replaces is refused (view-edits.ts).
 */
import type { Finding } from "../content/finding";
import { EMPTY_LABEL, labelOf, labelTerms, readLabel, type SensitivityLabel, withLabel } from "../content/labels";
import { PLACEHOLDER_PREFIX, type RedactedView, redactedView } from "../content/redacted-view";
import { mergeFindings, scanText } from "../content/scan";
import {
  type ContentFlag,
  escapeInvisible,
  findInjectionMarkers,
  type InjectionFinding,
} from "../content/untrusted-text";
import { checkWriteBack } from "../content/view-edits";
import type { ToolError } from "../errors/tool-error";
import type { Action } from "../policy/access";
import type { SandboxPath } from "./sandbox-path";
import { relabelledFrom } from "./shown-etag";
import { type EntryInfo, fileInfo, r2, requireAccess, type Storage } from "./storage";

/** What one content access revealed or stored, for the audit trail: ids and counts, never text. */
export interface ContentRecord {
  readonly path: string;
  readonly action: "read" | "write";
  readonly label: SensitivityLabel;
  /** Detector id → spans shown redacted to the caller. */
  readonly redacted: Readonly<Record<string, number>>;
  /** Detector id → spans shown as they are (personal data the policy lets through). */
  readonly shown: Readonly<Record<string, number>>;
  readonly injections: readonly InjectionFinding[];
  /** Invisible characters shown escaped. */
  readonly escaped: number;
}

export interface ContentView {
  readonly info: EntryInfo;
  /** The stored text, for edits; never returned to the caller. */
  readonly stored: string;
  /** The redacted view (placeholders, stored line structure), before escaping. */
  readonly view: RedactedView;
  /** What the caller is shown: the view with invisible characters escaped. */
  readonly shown: string;
  readonly label: SensitivityLabel;
  readonly record: ContentRecord;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const SNIFF_BYTES = 8192;

/** UTF-8 text without NUL in its first 8 KiB (the search tool's rule), or undefined: not text. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export interface Classification {
  readonly findings: Finding[];
  readonly label: SensitivityLabel;
  readonly injections: InjectionFinding[];
  readonly invisible: number;
}

export function classify(text: string): Classification {
  const findings = scanText(text);
  const injections = findInjectionMarkers(text);
  const invisible = escapeInvisible(text).escaped;
  const flags: ContentFlag[] = [];
  if (invisible > 0) flags.push("invisible-unicode");
  if (injections.length > 0) flags.push("injection-marker");
  return { findings, label: labelOf(findings, flags), injections, invisible };
}

const KEY_MATERIAL_LINE = /^[A-Za-z0-9+/]{40,}={0,2}\r?$/gm;

/** Lines that are nothing but base64: possibly the body of a key whose armour lines are outside the piece. */
function keyMaterialLines(text: string): Finding[] {
  const found: Finding[] = [];
  for (const match of text.matchAll(KEY_MATERIAL_LINE)) {
    const end = match.index + match[0].length - (match[0].endsWith("\r") ? 1 : 0);
    found.push({ detector: "private-key", category: "secret", start: match.index, end });
  }
  return found;
}

function redacts(terms: ReadonlySet<string>, finding: Finding): boolean {
  return terms.has(finding.category) || terms.has(finding.detector);
}

function count(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.detector] = (counts[finding.detector] ?? 0) + 1;
  return counts;
}

/** The caller's view of `text` at `path`: the label judged for `action`, the spans its policy redacts. */
export function viewOf(storage: Storage, path: SandboxPath, text: string, action: Action = "read", piece = false) {
  const classification = classify(text);
  judged(storage, path, action, classification);
  const terms = storage.gate.redactionFor(path.relative);
  let hidden = classification.findings.filter((finding) => redacts(terms, finding));
  if (piece && (terms.has("secret") || terms.has("private-key")))
    hidden = mergeFindings([...hidden, ...keyMaterialLines(text)]);
  const view = redactedView(text, hidden);
  const escaped = escapeInvisible(view.text);
  const record: ContentRecord = {
    path: path.relative,
    action: "read",
    label: classification.label,
    redacted: count(hidden),
    shown: count(classification.findings.filter((finding) => !redacts(terms, finding))),
    injections: classification.injections,
    escaped: escaped.escaped,
  };
  return { classification, view, shown: escaped.text, record };
}

function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [id, n] of Object.entries(b)) out[id] = (out[id] ?? 0) + n;
  return out;
}

/** Two records of the same file (lines of one scan) as one. */
export function mergeRecords(a: ContentRecord, b: ContentRecord): ContentRecord {
  const flags = [...new Set([...a.label.flags, ...b.label.flags])].sort();
  return {
    path: a.path,
    action: a.action,
    label: {
      version: a.label.version,
      categories: [...new Set([...a.label.categories, ...b.label.categories])].sort(),
      detectors: addCounts(a.label.detectors, b.label.detectors),
      flags,
    },
    redacted: addCounts(a.redacted, b.redacted),
    shown: addCounts(a.shown, b.shown),
    injections: [...a.injections, ...b.injections].slice(0, 20),
    escaped: a.escaped + b.escaped,
  };
}

/** The label rules for `action` on this content; a refusal is recorded (what was refused, not shown). */
function judged(storage: Storage, path: SandboxPath, action: Action, classification: Classification): void {
  try {
    storage.gate.requireContent(action, path.relative, labelTerms(classification.label));
  } catch (error) {
    storage.report({
      path: path.relative,
      action: action === "read" ? "read" : "write",
      label: classification.label,
      redacted: {},
      shown: {},
      injections: classification.injections,
      escaped: 0,
    });
    throw error;
  }
}

function sameLabel(a: SensitivityLabel | undefined, b: SensitivityLabel): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads `path` as the caller may see it. Throws `too_large` over `maxBytes` (from the object's size,
 * before its body is read) and `not_text` for content that is not UTF-8 text.
 */
export async function readContent(
  storage: Storage,
  path: SandboxPath,
  maxBytes: number,
  tooLarge: (size: number) => ToolError,
  notText: () => ToolError,
  missing: () => Promise<never>,
): Promise<ContentView> {
  const content = await readContentWithin(storage, path, maxBytes, notText, missing);
  if ("tooLargeSize" in content) throw tooLarge(content.tooLargeSize);
  return content;
}

/** A file over the cap of a whole read: its size, from the object's metadata (its body was not read). */
export interface OverCap {
  readonly tooLargeSize: number;
}

/** `readContent`, answering a file over `maxBytes` with its size instead of an error. */
export async function readContentWithin(
  storage: Storage,
  path: SandboxPath,
  maxBytes: number,
  notText: () => ToolError,
  missing: () => Promise<never>,
): Promise<ContentView | OverCap> {
  requireAccess(storage, ["read"], path);
  const key = storage.keys.fileKey(path);
  const object = await r2(() => storage.bucket.get(key));
  if (!object) return missing();
  if (object.size > maxBytes) {
    await object.body.cancel();
    return { tooLargeSize: object.size };
  }
  const bytes = new Uint8Array(await r2(() => object.arrayBuffer()));
  const text = decodeText(bytes);
  if (text === undefined) throw notText();
  const { classification, view, shown, record } = viewOf(storage, path, text);
  storage.report(record);
  let info = fileInfo(path, object);
  if (!sameLabel(readLabel(object.customMetadata), classification.label)) {
    // Labelled on first read (or again after the classifier changed): same bytes, new metadata, only if
    // the object is still the version read. A lost race or an outage leaves it for the next read.
    const labelled = await storage.bucket
      .put(key, bytes, {
        customMetadata: { ...withLabel(object.customMetadata, classification.label), ...relabelledFrom(object) },
        httpMetadata: object.httpMetadata ?? {},
        onlyIf: { etagMatches: object.etag },
      })
      .catch(() => null);
    if (labelled) {
      info = fileInfo(path, labelled);
    }
  }
  return { info, stored: text, view, shown, label: classification.label, record };
}

/**
 * The label for content about to be written at `path` (judged against `write` label rules: "nobody
 * writes a secret"), and the record for the audit trail. Binary content is labelled as nothing found.
 */
export function labelForWrite(storage: Storage, path: SandboxPath, content: string | Uint8Array): SensitivityLabel {
  const text = typeof content === "string" ? content : decodeText(content);
  if (text === undefined) return EMPTY_LABEL;
  const classification = classify(text);
  judged(storage, path, "write", classification);
  storage.report({
    path: path.relative,
    action: "write",
    label: classification.label,
    redacted: {},
    shown: {},
    injections: classification.injections,
    escaped: 0,
  });
  return classification.label;
}

/**
 * A whole-content write over an existing text file: refused when it carries the placeholder of a
 * secret redacted in the caller's view of the current file. Cheap unless the content has a placeholder.
 */
export async function checkOverwrite(storage: Storage, path: SandboxPath, content: string | Uint8Array): Promise<void> {
  const text = typeof content === "string" ? content : decodeText(content);
  // A caller who may not read the file never saw its view; its text is its own.
  if (text === undefined || !text.includes(PLACEHOLDER_PREFIX) || !storage.gate.permits("read", path.relative)) return;
  const current = await r2(() => storage.bucket.get(storage.keys.fileKey(path)));
  if (!current) return;
  const currentText = decodeText(new Uint8Array(await r2(() => current.arrayBuffer())));
  if (currentText === undefined) return;
  const classification = classify(currentText);
  const terms = storage.gate.redactionFor(path.relative);
  const view = redactedView(
    currentText,
    classification.findings.filter((finding) => redacts(terms, finding)),
  );
  checkWriteBack(path.display, view, text);
}

export { withLabel };
