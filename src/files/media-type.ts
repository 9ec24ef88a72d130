/**
 * Media types from file names, for read_media_file and for labelling stored objects.
 *
 * - `mediaTypeFor` looks the extension up in mime's standard (IANA-registered) table, the `mime/lite`
 *   data set, plus the few types the reference server's read_media_file knows that the table lacks
 *   (`.flac`). No extension, or an unknown one, gives `application/octet-stream`.
 * - `mediaKind` decides read_media_file's content form: `image/*` becomes base64 image content,
 *   `audio/*` base64 audio content (as the reference server does, which includes SVG as an image);
 *   everything else an embedded resource, as text when `text` or as a blob when `binary`.
 * - `isLikelyText` is a hint from the type alone. It must not be used to refuse reading a file as
 *   text: the extension table is incomplete for source code (we override `.ts`, `.py`, `.go`, `.rs`,
 *   `.sh` below), and many text files have no registered type at all.
 *
 * Everything here is a pure function of its argument; no file content is inspected.
 */
import { Mime } from "mime/lite";
import standardTypes from "mime/types/standard.js";

export type MediaKind = "image" | "audio" | "text" | "binary";

export const FALLBACK_MEDIA_TYPE = "application/octet-stream";

/** Types the reference server's read_media_file maps that mime's standard table does not. */
const REFERENCE_EXTRAS = { "audio/flac": ["flac"] };

/**
 * Source files an agent works with, where the IANA table has nothing or a collision (`.ts` would be
 * MPEG video, `.rs` an RLS services document). Forced over the standard table.
 */
const SOURCE_CODE_TYPES = {
  "text/typescript": ["ts", "mts", "cts", "tsx"],
  "text/x-python": ["py"],
  "text/x-go": ["go"],
  "text/x-rust": ["rs"],
  "application/x-sh": ["sh"],
};

// Built on first use, not at module load: the table has about a thousand entries and most requests
// (and every cold start) never look a type up. Once built it is the same for every request and tenant.
let registry: Mime | undefined;
function mimeRegistry(): Mime {
  if (!registry) {
    registry = new Mime(standardTypes, REFERENCE_EXTRAS);
    registry.define(SOURCE_CODE_TYPES, true);
  }
  return registry;
}

/**
 * Text formats registered under application/ without a +json/+xml/+yaml suffix. Unregistered `x-`
 * names are listed too, because a stored object's type can come from elsewhere.
 */
const TEXTUAL_APPLICATION_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/json5",
  "application/hjson",
  "application/xml",
  "application/xml-dtd",
  "application/javascript",
  "application/ecmascript",
  "application/node",
  "application/sql",
  "application/toml",
  "application/yaml",
  "application/x-yaml",
  "application/x-sh",
  "application/x-httpd-php",
]);

const TEXTUAL_SUFFIXES = ["+json", "+xml", "+yaml"];

/** The media type for a path or file name, by its extension (case-insensitive). */
export function mediaTypeFor(path: string): string {
  return mimeRegistry().getType(path) ?? FALLBACK_MEDIA_TYPE;
}

export function mediaKind(type: string): MediaKind {
  const essence = essenceOf(type);
  if (essence.startsWith("image/")) {
    return "image";
  }
  if (essence.startsWith("audio/")) {
    return "audio";
  }
  return isLikelyText(essence) ? "text" : "binary";
}

export function isLikelyText(type: string): boolean {
  const essence = essenceOf(type);
  return (
    essence.startsWith("text/") ||
    TEXTUAL_APPLICATION_TYPES.has(essence) ||
    TEXTUAL_SUFFIXES.some((suffix) => essence.endsWith(suffix))
  );
}

/** `Text/HTML; charset=utf-8` → `text/html`: parameters dropped, case folded. */
function essenceOf(type: string): string {
  return (type.split(";")[0] ?? "").trim().toLowerCase();
}
