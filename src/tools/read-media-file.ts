/**
 * `read_media_file`: the reference server's tool (path). Images and audio come back as base64 image /
 * audio content with their MIME type; anything else as an embedded resource (text when the type is
 * textual and the bytes are UTF-8, otherwise a base64 blob). Capped at MAX_MEDIA_READ_BYTES, checked
 * from R2's metadata before any bytes are read.
 */
import * as z from "zod";
import { toBase64 } from "../files/base64";
import { MAX_MEDIA_READ_BYTES } from "../files/limits";
import { FALLBACK_MEDIA_TYPE, mediaKind, mediaTypeFor } from "../files/media-type";
import { readInPages } from "../files/size-advice";
import { contentMeta } from "./content-meta";
import { pathField } from "./schemas";
import { tooLargeToRead } from "./text-read";
import { touch } from "./tool-access";
import { defineTool, type ToolOutput } from "./tool-definition";

const MIB = 1024 * 1024;

/** The type by extension (as the reference does); the stored type only when the name says nothing. */
function typeOf(name: string, stored: string | undefined): string {
  const byName = mediaTypeFor(name);
  if (byName !== FALLBACK_MEDIA_TYPE || !stored) return byName;
  return (stored.split(";")[0] ?? FALLBACK_MEDIA_TYPE).trim().toLowerCase() || FALLBACK_MEDIA_TYPE;
}

/** Not a `file://` URI: the file is not on the client's disk. Segments are percent-encoded. */
function resourceUri(segments: readonly string[]): string {
  return `r2-files:///${segments.map(encodeURIComponent).join("/")}`;
}

export const readMediaFile = defineTool({
  name: "read_media_file",
  title: "Read media file",
  description:
    "Read an image or audio file and return it as base64 data with its MIME type; other binary files come back as an " +
    `embedded resource. Capped at ${MAX_MEDIA_READ_BYTES / MIB} MiB. For text files use read_text_file.`,
  scope: "files:read",
  input: z.object({ path: pathField }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cost: () => ({ units: 2 }),
  actions: ["read"],
  access: ({ path }) => [touch("read", path, "path", { allowRoot: false })],
  async run({ path: raw }, { sandbox }): Promise<ToolOutput> {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const file = await sandbox.openFile(path);
    if (file.info.size > MAX_MEDIA_READ_BYTES) {
      await file.body.cancel();
      throw tooLargeToRead(
        path,
        file.info.size,
        MAX_MEDIA_READ_BYTES,
        `Media reads cannot be split; if it is text, ${readInPages().replace(/^Read it/, "read it")}`,
      );
    }
    // Whatever the name says, UTF-8 text is returned as the caller's redacted view (as base64 too).
    const seen = sandbox.viewBytes(path, new Uint8Array(await new Response(file.body).arrayBuffer()));
    const bytes = seen.bytes;
    const meta = seen.record ? { _meta: contentMeta(seen.record) } : {};
    const mimeType = typeOf(path.name, file.info.contentType);
    const kind = mediaKind(mimeType);
    if (kind === "image" || kind === "audio") {
      return { content: [{ type: kind, data: toBase64(bytes), mimeType }], ...meta };
    }
    const uri = resourceUri(path.segments);
    if (kind === "text" && seen.text !== undefined) {
      return { content: [{ type: "resource", resource: { uri, mimeType, text: seen.text } }], ...meta };
    }
    return { content: [{ type: "resource", resource: { uri, mimeType, blob: toBase64(bytes) } }], ...meta };
  },
});
