/**
 * `_meta` on every result that carries file content: the content is untrusted input to the agent, with
 * the sensitivity labels found in it, what was redacted and which injection flags were raised (ids,
 * counts and line numbers, never the matched text). The trust fields follow the draft MCP proposal
 * "Trust and Sensitivity Annotations" (SEP-1913): `openWorldHint` (from outside the agent's trust
 * boundary), `sensitiveHint` (`high` for secrets, `medium` for personal data, `low` otherwise) and
 * `maliciousActivityHint` (invisible characters or injection markers).
 */
import { escapeInvisible as escapeInvisibleName } from "../sandbox/invisible-characters";
import type { ContentRecord } from "../sandbox/sandbox";

export const CONTENT_META_KEY = "r2-files/content";

export function contentMeta(records: ContentRecord | readonly ContentRecord[]): Record<string, unknown> {
  const list = Array.isArray(records) ? records : [records as ContentRecord];
  const categories = new Set(list.flatMap((record) => record.label.categories));
  const suspicious = list.some((record) => record.label.flags.length > 0);
  return {
    [CONTENT_META_KEY]: {
      untrusted: true,
      trust: {
        openWorldHint: true,
        sensitiveHint: categories.has("secret") ? "high" : categories.has("pii") ? "medium" : "low",
        maliciousActivityHint: suspicious,
      },
      files: list.map((record) => ({
        // Shown as every result shows names: invisible characters escaped (src/sandbox/invisible-characters.ts).
        path: escapeInvisibleName(record.path),
        categories: record.label.categories,
        detectors: record.label.detectors,
        redacted: record.redacted,
        flags: record.label.flags,
        ...(record.injections.length > 0 ? { injectionMarkers: record.injections } : {}),
        ...(record.escaped > 0 ? { escapedCharacters: record.escaped } : {}),
      })),
    },
  };
}

export function withMeta<T extends object>(
  output: T,
  meta: Record<string, unknown>,
): T & { _meta: Record<string, unknown> } {
  const existing = (output as { _meta?: Record<string, unknown> })._meta ?? {};
  return { ...output, _meta: { ...existing, ...meta } };
}
