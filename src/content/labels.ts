/**
 * A file's sensitivity label: the categories and detector ids found in it, the content flags
 * (invisible Unicode, injection markers) and the classifier version that produced it. Stored in the
 * object's R2 custom metadata, so it travels with the bytes (copies, moves, trash and restore keep it)
 * and every write path replaces it with the new content's.
 *
 * Metadata keys (R2 allows 2 KiB of custom metadata in all; a label stays far below):
 *   `sensitivity-version`    the classifier version; any other value means "not labelled"
 *   `sensitivity-categories` comma-separated, sorted (`pii,secret`), empty when nothing was found
 *   `sensitivity-detectors`  comma-separated `id:count`, sorted by id
 *   `sensitivity-flags`      comma-separated flags (`injection-marker,invisible-unicode`)
 * The matched text is never stored, nor its position.
 */
import type { Category, Finding } from "./finding";
import { type ContentFlag, FLAGS } from "./untrusted-text";

/**
 * Bump when detectors change what they find: every label of an older version is then "not current",
 * and the file is classified again on its next read.
 */
export const CLASSIFIER_VERSION = "dlp-1";

const KEYS = {
  version: "sensitivity-version",
  categories: "sensitivity-categories",
  detectors: "sensitivity-detectors",
  flags: "sensitivity-flags",
} as const;

export const LABEL_METADATA_KEYS: readonly string[] = Object.values(KEYS);

export interface SensitivityLabel {
  readonly version: string;
  readonly categories: readonly Category[];
  /** Detector id → number of findings. */
  readonly detectors: Readonly<Record<string, number>>;
  readonly flags: readonly ContentFlag[];
}

/** The label of content that is not text (or empty): nothing found, and nothing could be. */
export const EMPTY_LABEL: SensitivityLabel = { version: CLASSIFIER_VERSION, categories: [], detectors: {}, flags: [] };

export function labelOf(findings: readonly Finding[], flags: readonly ContentFlag[] = []): SensitivityLabel {
  const detectors: Record<string, number> = {};
  const categories = new Set<Category>();
  for (const finding of findings) {
    detectors[finding.detector] = (detectors[finding.detector] ?? 0) + 1;
    categories.add(finding.category);
  }
  return {
    version: CLASSIFIER_VERSION,
    categories: [...categories].sort(),
    detectors: Object.fromEntries(Object.entries(detectors).sort(([a], [b]) => a.localeCompare(b))),
    flags: [...new Set(flags)].sort(),
  };
}

/** What a policy's `labels` can name in this label: its categories, detector ids and flags. */
export function labelTerms(label: SensitivityLabel): Set<string> {
  return new Set<string>([...label.categories, ...Object.keys(label.detectors), ...label.flags]);
}

export function isSensitive(label: SensitivityLabel): boolean {
  return label.categories.length > 0 || label.flags.length > 0;
}

/** Custom metadata without any label keys: the content changed in a way not classified here. */
export function withoutLabel(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (!LABEL_METADATA_KEYS.includes(key)) out[key] = value;
  return out;
}

/** Only the label keys of custom metadata (what a copy into the trash and back keeps of it). */
export function labelMetadataOf(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (LABEL_METADATA_KEYS.includes(key)) out[key] = value;
  return out;
}

/** Custom metadata without any label keys (to replace them), then the label's. */
export function withLabel(
  metadata: Readonly<Record<string, string>> | undefined,
  label: SensitivityLabel,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (!LABEL_METADATA_KEYS.includes(key)) out[key] = value;
  out[KEYS.version] = label.version;
  out[KEYS.categories] = label.categories.join(",");
  out[KEYS.detectors] = Object.entries(label.detectors)
    .map(([id, count]) => `${id}:${count}`)
    .join(",");
  out[KEYS.flags] = label.flags.join(",");
  return out;
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/**
 * The current label in an object's custom metadata, or undefined when there is none, it is of another
 * classifier version, or it does not parse (metadata is ours, but a label we cannot read must mean
 * "classify again", never "nothing sensitive").
 */
export function readLabel(metadata: Readonly<Record<string, string>> | undefined): SensitivityLabel | undefined {
  if (!metadata || metadata[KEYS.version] !== CLASSIFIER_VERSION) return undefined;
  const list = (value: string | undefined) => (value ? value.split(",") : []);
  const categories = list(metadata[KEYS.categories]);
  const flags = list(metadata[KEYS.flags]);
  if (!categories.every((c) => c === "secret" || c === "pii")) return undefined;
  if (!flags.every((f) => (FLAGS as readonly string[]).includes(f))) return undefined;
  const detectors: Record<string, number> = {};
  for (const entry of list(metadata[KEYS.detectors])) {
    const [id, count] = entry.split(":");
    if (!id || !ID.test(id) || !count || !/^\d{1,9}$/.test(count)) return undefined;
    detectors[id] = Number(count);
  }
  return {
    version: CLASSIFIER_VERSION,
    categories: categories as Category[],
    detectors,
    flags: flags as ContentFlag[],
  };
}
