/**
 * `edit_file`: the reference server's tool (path, edits [{oldText, newText}], dryRun), returning a
 * git-style unified diff, plus `ifMatch` and the new etag.
 *
 * No lost updates: every edit is a read → apply → put conditional on the etag that was read. If the
 * file changed in between (R2 answers "precondition failed"):
 * - with the caller's `ifMatch`, the caller asked for exactly that version: conflict, nothing written;
 * - without it, the edits are re-applied to the new content, up to MAX_EDIT_ATTEMPTS reads in all.
 *   That is safe because an edit only applies where its oldText matches exactly one place, so a
 *   re-applied edit means what it meant; if it no longer applies, the caller gets edit_not_found /
 *   edit_ambiguous, and if the file keeps changing, a conflict. Either way nothing is silently lost:
 *   a success means the put landed on the very version the edits were applied to.
 */
import * as z from "zod";
import { escapeInvisible } from "../content/untrusted-text";
import { applyEditsThroughView } from "../content/view-edits";
import { ToolError } from "../errors/tool-error";
import { MAX_TEXT_READ_BYTES, MAX_WRITE_BYTES } from "../files/limits";
import { formatBytes } from "../files/size-advice";
import { textContentType } from "../files/text-content-type";
import { MAX_EDIT_NEW_LINES, MAX_EDIT_OLD_LINES } from "../files/text-edits";
import { createUnifiedDiff, fenceDiff } from "../files/unified-diff";
import { utf8ByteLength } from "../files/utf8-length";
import { normalizeEtag } from "../sandbox/sandbox";
import { contentMeta, withMeta } from "./content-meta";
import { entrySchema, toEntryOutput } from "./entry-output";
import { etagField, pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const MAX_EDIT_ATTEMPTS = 3;
const MAX_EDITS = 100;
const encoder = new TextEncoder();

const editSchema = z.object({
  oldText: z
    .string()
    .describe("Text to replace: copy it exactly from the file, with enough context to match one place"),
  newText: z.string().describe("Text to put in its place"),
});

export const editFile = defineTool({
  name: "edit_file",
  title: "Edit file",
  description:
    "Make line-based edits to a text file. Each edit replaces oldText (which must match exactly one place; if it does not " +
    "match exactly, a match ignoring leading/trailing whitespace per line is tried and indentation is kept) with newText; " +
    "edits apply in order. Returns a git-style unified diff and the new etag. dryRun: true shows the diff without writing. " +
    "If any edit does not match, nothing changes. Concurrent changes are never overwritten: pass ifMatch to fail on any " +
    "change since you read the file; without it the edits are re-applied to the newer content if they still match. " +
    `At most ${MAX_EDIT_OLD_LINES} oldText and ${MAX_EDIT_NEW_LINES} newText lines per call; split larger changes.`,
  scope: "files:write",
  input: z.object({
    path: pathField,
    edits: z.array(editSchema).min(1).max(MAX_EDITS),
    dryRun: z.boolean().default(false).describe("Preview the diff; change nothing."),
    ifMatch: etagField.optional().describe("Only edit if the file's current etag equals this."),
  }),
  output: z.object({
    path: z.string(),
    diff: z.string().describe("git-style unified diff; empty when the edits changed nothing"),
    dryRun: z.boolean(),
    file: entrySchema.optional().describe("The file after the edit (absent on a dry run)"),
    attempts: z
      .number()
      .describe("Reads it took: more than 1 when the file changed concurrently and the edits were re-applied"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  // The edited file's size is unknown before the call; the bytes counted are the new text supplied.
  cost: ({ edits, dryRun }) =>
    dryRun
      ? { units: 1 }
      : { units: 1, writes: 1, bytesWritten: edits.reduce((sum, edit) => sum + utf8ByteLength(edit.newText), 0) },
  actions: ["read", "write", "overwrite"],
  // An edit answers with a diff and with whether each oldText is in the file: it reads the file, dry
  // run or not, so it needs `read` as well as `write` and `overwrite`.
  access: ({ path, edits, dryRun }) => {
    const read = touch("read", path, "path", { allowRoot: false });
    if (dryRun) return [read];
    const bytes = edits.reduce((sum, edit) => sum + utf8ByteLength(edit.newText), 0);
    return [
      read,
      touch("write", path, "path", { allowRoot: false, bytes }),
      touch("overwrite", path, "path", { allowRoot: false, bytes }),
    ];
  },
  async run({ path: raw, edits, dryRun, ifMatch }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const expected = ifMatch === undefined ? undefined : normalizeEtag(ifMatch);
    for (let attempt = 1; ; attempt++) {
      // The caller edits the view it can read: oldText is matched there, redacted spans cannot be touched
      // and come back byte for byte (src/content/view-edits.ts); the diff is between views.
      // `ifMatch` is checked against the etag the caller was shown (src/sandbox/shown-etag.ts).
      const content = await sandbox.readText(
        path,
        MAX_TEXT_READ_BYTES,
        "Files this large cannot be edited; rewrite them in parts.",
        { ifMatch: expected },
      );
      const info = content.info;
      const edited = applyEditsThroughView(path.display, content.stored, content.view, edits);
      const after = edited.stored;
      const diff = escapeInvisible(createUnifiedDiff(path.display.slice(1), content.view.text, edited.view)).text;
      const shown = diff === "" ? "(no changes)" : fenceDiff(diff);
      const meta = contentMeta(content.record);
      if (dryRun)
        return withMeta(textResult(shown, { path: path.display, diff, dryRun: true, attempts: attempt }), meta);
      const bytes = encoder.encode(after);
      if (bytes.byteLength > MAX_WRITE_BYTES) {
        throw new ToolError(
          "too_large",
          `The edited file would be ${bytes.byteLength} bytes; edit_file saves files of at most ` +
            `${formatBytes(MAX_WRITE_BYTES)}. Nothing was changed. To add to the end of a larger file, use ` +
            `append_file (parts of at most ${formatBytes(MAX_WRITE_BYTES)}).`,
          {
            size: bytes.byteLength,
            maxBytes: MAX_WRITE_BYTES,
          },
        );
      }
      try {
        const written = await sandbox.writeFile(path, bytes, {
          ifMatch: info.etag,
          checkWriteBack: false,
          contentType: info.contentType ?? textContentType(path.name),
        });
        return withMeta(
          textResult(`${shown}\nSaved ${path.display} (etag ${written.etag})`, {
            path: path.display,
            diff,
            dryRun: false,
            file: toEntryOutput(written),
            attempts: attempt,
          }),
          meta,
        );
      } catch (error) {
        const lostRace = error instanceof ToolError && error.code === "conflict";
        if (!lostRace || expected !== undefined) throw error;
        if (attempt >= MAX_EDIT_ATTEMPTS) {
          throw new ToolError(
            "conflict",
            `${path.display} kept changing while it was being edited (${attempt} attempts); nothing was changed. Read it again and retry.`,
            { path: path.display, attempts: attempt },
          );
        }
      }
    }
  },
});
