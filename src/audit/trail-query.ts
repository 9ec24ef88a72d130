/**
 * `npm run audit -- query`: events from the trail matching a tenant and optional subject, path glob
 * and time range, oldest first, each event once (at-least-once delivery may have stored it twice).
 * Answers "who touched this path": `--tenant acme --path 'payroll/**'`, and "what happened to this
 * call": `--event <id>` (the id a tool result carries in its `_meta`).
 * `--label secret` answers "who was shown or refused secrets" (every tenant unless `--tenant` narrows it).
 */
import { minimatch } from "minimatch";
import { splitBatch } from "./trail-format";
import type { StoredObject } from "./trail-verify";

export interface TrailQuery {
  /** Required unless `event` names the one event wanted, or `label` asks across tenants. */
  readonly tenant?: string | undefined;
  /** One event by its id (`metadata.uid`; a tool result's `_meta["r2-files-mcp/auditEventId"]`). */
  readonly event?: string | undefined;
  /**
   * A sensitivity label: `secret`, `pii`, a detector id or a content flag. Matches the File Hosting
   * events whose content carried it (shown, redacted or refused) and the `sensitive_data` findings.
   */
  readonly label?: string | undefined;
  readonly subject?: string | undefined;
  /** A glob over canonical paths (`/payroll/**`); matches any path the event names. */
  readonly path?: string | undefined;
  /** Milliseconds since the epoch, inclusive. */
  readonly since?: number | undefined;
  readonly until?: number | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: stored events are free-form OCSF JSON
type Loose = Record<string, any>;

function pathsOf(event: Loose): string[] {
  const listed = event.unmapped?.paths;
  if (Array.isArray(listed)) return listed.filter((p): p is string => typeof p === "string");
  return [event.file?.path, event.file_result?.path].filter((p): p is string => typeof p === "string");
}

/** The label terms an event's content carried (categories, detector ids, flags). */
export function labelsOf(event: Loose): Set<string> {
  const raw = event.unmapped?.sensitivity;
  const summaries: Loose[] = Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw] : [];
  const terms = new Set<string>();
  for (const summary of summaries) {
    for (const category of summary.categories ?? []) terms.add(String(category));
    for (const entry of summary.detectors ?? []) terms.add(String(entry?.id));
    for (const flag of summary.flags ?? []) terms.add(String(flag));
  }
  return terms;
}

function subjectOf(event: Loose): string | undefined {
  return event.actor?.user?.uid ?? event.user?.uid;
}

export function queryEvents(batches: readonly StoredObject[], query: TrailQuery): Loose[] {
  const seen = new Set<string>();
  const matches: Loose[] = [];
  for (const batch of batches) {
    const { body } = splitBatch(batch.text);
    for (const line of body.split("\n")) {
      if (line === "") continue;
      let event: Loose;
      try {
        event = JSON.parse(line) as Loose;
      } catch {
        continue;
      }
      const uid = event.metadata?.uid;
      if (typeof uid !== "string" || seen.has(uid)) continue;
      if (query.event !== undefined && uid !== query.event) continue;
      if (query.tenant !== undefined && event.metadata?.tenant_uid !== query.tenant) continue;
      if (query.label !== undefined && !labelsOf(event).has(query.label)) continue;
      if (query.subject !== undefined && subjectOf(event) !== query.subject) continue;
      if (query.since !== undefined && event.time < query.since) continue;
      if (query.until !== undefined && event.time > query.until) continue;
      if (query.path !== undefined && !pathsOf(event).some((p) => minimatch(p, query.path!, { dot: true }))) continue;
      seen.add(uid);
      matches.push(event);
    }
  }
  return matches.sort((a, b) => a.time - b.time);
}

/**
 * A `--path` glob spelled as tools accept paths (`payroll/**`, `/payroll/**`, `./payroll/**`) in the
 * canonical form events carry (`/payroll/…`), and warnings for globs no canonical path can match: event
 * paths never hold empty, `.` or `..` segments and never end in `/` (except the root itself).
 */
export function normalizePathGlob(glob: string): { glob: string; warnings: string[] } {
  const warnings: string[] = [];
  let normalized = glob.trim();
  if (normalized.startsWith("./")) normalized = normalized.slice(1);
  if (!normalized.startsWith("/")) normalized = `/${normalized}`;
  const segments = normalized.slice(1).split("/");
  if (normalized !== "/" && normalized.endsWith("/")) {
    warnings.push(`"${glob}" ends in "/", but event paths never do: did you mean "${normalized}**"?`);
  }
  if (segments.slice(0, -1).some((segment) => segment === "")) {
    warnings.push(`"${glob}" has an empty segment ("//"), which no event path has.`);
  }
  if (segments.some((segment) => segment === "." || segment === "..")) {
    warnings.push(`"${glob}" has a "." or ".." segment; event paths are canonical and never do.`);
  }
  if (normalized.includes("\\")) {
    warnings.push(`"${glob}" has a backslash: in a glob it escapes the next character; paths use "/".`);
  }
  return { glob: normalized, warnings };
}
