/**
 * Reading a whole stored file as UTF-8 text under a byte cap, shared by read_text_file (its whole-file
 * path; head and tail have their own), edit_file and read_multiple_files. The size is checked from R2's
 * metadata before the body is read, so an oversized file costs one GET header, not its bytes.
 */
import { ToolError } from "../errors/tool-error";
import { notTextError } from "../files/line-window";
import { readInPages } from "../files/size-advice";
import type { EntryInfo, Sandbox, SandboxPath } from "../sandbox/sandbox";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function tooLargeToRead(path: SandboxPath, size: number, maxBytes: number, hint: string): ToolError {
  return new ToolError("too_large", `${path.display} is ${size} bytes; this read is capped at ${maxBytes}. ${hint}`, {
    path: path.display,
    size,
    maxBytes,
  });
}

export async function readWholeText(
  sandbox: Sandbox,
  path: SandboxPath,
  maxBytes: number,
  hint = readInPages(),
): Promise<{ text: string; info: EntryInfo }> {
  const file = await sandbox.openFile(path);
  if (file.info.size > maxBytes) {
    await file.body.cancel();
    throw tooLargeToRead(path, file.info.size, maxBytes, hint);
  }
  const bytes = await new Response(file.body).arrayBuffer();
  try {
    return { text: decoder.decode(bytes), info: file.info };
  } catch {
    throw notTextError(path.display);
  }
}
