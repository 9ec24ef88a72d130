/**
 * What a caller over a size cap can do instead, in the words every `too_large` and `quota_exceeded`
 * error and the 413 share (docs/tools.md: an error over a cap "says what to do instead"). A model reads
 * these, so they name the tools and arguments to use, with numbers, and say that nothing was done.
 */
import { MAX_WRITE_BYTES } from "./limits";

/** Largest file append_file grows (src/sandbox/sandbox-append.ts holds it to this). */
export const MAX_APPENDED_FILE_BYTES = 64 * 1024 * 1024;

/** `4194304` → `4 MiB`, `1500` → `1500 bytes`: caps are round numbers of MiB, or small. */
export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) && mib >= 1 ? `${mib} MiB` : `${bytes} bytes`;
}

/** For content too large for one call: write it in parts of at most `partBytes`. */
export function writeInParts(partBytes: number = MAX_WRITE_BYTES): string {
  return (
    `Send it in parts of at most ${formatBytes(partBytes)}: write_file with the first part, then append_file ` +
    `with each further part, in order (a file grows to ${formatBytes(MAX_APPENDED_FILE_BYTES)} this way).`
  );
}

/** For a file too large to read in one call. */
export function readInPages(): string {
  return "Read it page by page with read_text_file offset/limit (or its ends with head/tail).";
}
