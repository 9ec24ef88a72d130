/**
 * search_file_contents' resumable cursor: where the previous call stopped, as either a walk cursor
 * (continue listing after it) or a file below the searched path with the byte offset and line number to
 * resume at (`f: ""` is the searched path itself, when that is a file). Opaque to callers, never trusted: it is checked with zod, its path goes through the sandbox
 * canonicalizer and must lie below the searched path, and the walk cursor is re-validated by the walk,
 * so a forged cursor can only reposition a search inside the caller's own tree. No tenant is in it.
 */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import type { Sandbox, SandboxPath } from "../sandbox/sandbox";

const TAG = "c1.";

const cursorSchema = z.union([
  z.object({ a: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      f: z.string().max(1000),
      o: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      l: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    })
    .strict(),
]);

export type SearchPosition =
  | { readonly kind: "walk"; readonly walkCursor: string }
  | { readonly kind: "file"; readonly path: SandboxPath; readonly offset: number; readonly line: number };

function bad(): ToolError {
  return new ToolError("invalid_arguments", "cursor is not one this server returned for this search", {
    parameter: "cursor",
  });
}

export function encodeSearchCursor(base: SandboxPath, position: SearchPosition): string {
  const json =
    position.kind === "walk"
      ? { a: position.walkCursor }
      : { f: position.path.segments.slice(base.segments.length).join("/"), o: position.offset, l: position.line };
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return TAG + btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeSearchCursor(sandbox: Sandbox, base: SandboxPath, cursor: string): SearchPosition {
  if (!cursor.startsWith(TAG)) throw bad();
  let value: unknown;
  try {
    const binary = atob(cursor.slice(TAG.length).replaceAll("-", "+").replaceAll("_", "/"));
    value = JSON.parse(
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
        Uint8Array.from(binary, (char) => char.charCodeAt(0)),
      ),
    );
  } catch {
    throw bad();
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success) throw bad();
  if ("a" in parsed.data) return { kind: "walk", walkCursor: parsed.data.a };
  // "" is the searched path itself (a search of one file).
  if (parsed.data.f === "") return { kind: "file", path: base, offset: parsed.data.o, line: parsed.data.l };
  let path: SandboxPath;
  try {
    path = sandbox.resolve(`${base.relative}/${parsed.data.f}`, "cursor", { allowRoot: false });
  } catch {
    throw bad();
  }
  if (!base.isSameOrAncestorOf(path) || path.relative === base.relative) throw bad();
  return { kind: "file", path, offset: parsed.data.o, line: parsed.data.l };
}
