/**
 * Changing a file through its redacted view without ever destroying what the caller could not see.
 *
 * - `oldText` is matched against the view the caller read; an edit whose `oldText` quotes a placeholder
 *   or whose match would overlap a redacted span is refused (so no edit can probe a secret's content,
 *   and none can replace it).
 * - New content (`newText`, or a whole write) that carries the placeholder of a secret redacted in the
 *   current file is refused: a model that read the redacted view and writes it back would otherwise
 *   replace the real secret with the literal placeholder.
 * - Edits are applied to a working copy in which each redacted span is a sentinel no caller text can
 *   contain; the sentinels are then replaced by the stored spans, byte for byte.
 *
 * `applyEdits` (src/files/text-edits.ts) keeps its semantics (exact, then whitespace-tolerant matching,
 * ambiguity refused, line endings kept); this module only decides what it may see and puts the secrets
 * back.
 */
import { ToolError } from "../errors/tool-error";
import { applyEdits, type TextEdit } from "../files/text-edits";
import { PLACEHOLDER_PATTERN, type RedactedView } from "./redacted-view";

/** Noncharacters (Unicode's own "never in interchange" code points) delimit the sentinels. */
const SENTINEL_OPEN = "\uFDD0";
const SENTINEL_CLOSE = "\uFDD1";
const SENTINEL_PATTERN = /\uFDD0(\d+)\uFDD1/g;

/** The placeholders in `text` that stand for a span redacted in `view`, by detector id. */
function placeholdersOfView(view: RedactedView, text: string): string[] {
  if (view.spans.length === 0) return [];
  const redacted = new Set(view.spans.map((span) => span.detector));
  const found: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER_PATTERN)) {
    if (redacted.has(match[1]!)) found.push(match[1]!);
  }
  return found;
}

export function writeBackRefusal(path: string, detectors: readonly string[], field: string): ToolError {
  const unique = [...new Set(detectors)];
  return new ToolError(
    "redacted_content",
    `${field} contains ${unique.map((id) => `[REDACTED:${id}]`).join(", ")}, a placeholder for content of ${path} this ` +
      "caller cannot see. Writing it would replace the real value with the placeholder. Edit the other lines instead " +
      "(edit_file with oldText that does not include the placeholder).",
    { path, detectors: unique.join(",") },
  );
}

/**
 * Whole-file writes (write_file over an existing file): refused when the new content carries a
 * placeholder of a secret redacted in the current file's view.
 */
export function checkWriteBack(path: string, current: RedactedView, content: string): void {
  const found = placeholdersOfView(current, content);
  if (found.length > 0) throw writeBackRefusal(path, found, "The new content");
}

export interface ViewEditResult {
  /** The stored text after the edits: redacted spans unchanged, byte for byte. */
  readonly stored: string;
  /** The caller's view after the edits (what a diff shows). */
  readonly view: string;
}

export function applyEditsThroughView(
  path: string,
  stored: string,
  view: RedactedView,
  edits: readonly TextEdit[],
): ViewEditResult {
  edits.forEach((edit, index) => {
    const label = edits.length > 1 ? `edit ${index + 1}: ` : "";
    if (/[\uFDD0\uFDD1]/.test(edit.oldText) || /[\uFDD0\uFDD1]/.test(edit.newText)) {
      throw new ToolError("invalid_arguments", `${label}oldText and newText may not contain U+FDD0 or U+FDD1.`, {
        path,
      });
    }
    const quoted = placeholdersOfView(view, edit.oldText);
    if (quoted.length > 0) {
      throw new ToolError(
        "redacted_content",
        `${label}oldText includes [REDACTED:${quoted[0]}], which stands for content of ${path} this caller cannot see; ` +
          "it cannot be edited. Edit the other lines instead.",
        { path, detectors: [...new Set(quoted)].join(",") },
      );
    }
    const written = placeholdersOfView(view, edit.newText);
    if (written.length > 0) throw writeBackRefusal(path, written, `${label}newText`);
  });
  if (view.spans.length === 0) {
    const text = applyEdits(stored, edits).text;
    return { stored: text, view: text };
  }

  // The working copy: the view with each span's placeholder (and line breaks) as one sentinel.
  let working = "";
  let at = 0;
  view.spans.forEach((span, index) => {
    working += view.text.slice(at, span.viewStart) + SENTINEL_OPEN + index + SENTINEL_CLOSE;
    at = span.viewEnd;
  });
  working += view.text.slice(at);

  const edited = applyEdits(working, edits).text;
  const seen: number[] = [];
  const restore = (replace: (index: number) => string) =>
    edited.replace(SENTINEL_PATTERN, (_match, digits: string) => {
      const index = Number(digits);
      seen.push(index);
      return replace(index);
    });
  const storedAfter = restore((index) => stored.slice(view.spans[index]!.start, view.spans[index]!.end));
  // Every sentinel must survive once, in order: a tolerant match can re-indent lines, never drop one,
  // but an edit that did would have removed a secret the caller cannot see.
  if (seen.length !== view.spans.length || seen.some((value, index) => value !== index)) {
    throw new ToolError(
      "redacted_content",
      `The edit would change content of ${path} this caller cannot see (a redacted span). Edit the other lines instead.`,
      { path },
    );
  }
  const viewAfter = edited.replace(SENTINEL_PATTERN, (_match, digits: string) => {
    const span = view.spans[Number(digits)]!;
    return view.text.slice(span.viewStart, span.viewEnd);
  });
  return { stored: storedAfter, view: viewAfter };
}
