/**
 * Base64 in both directions (RFC 4648 §4, the standard alphabet).
 *
 * - `toBase64` (read_media_file, resources): `Uint8Array.prototype.toBase64` where the runtime has it;
 *   otherwise `btoa` over 32 KiB slices, so no call builds an argument list the size of the whole file.
 * - `parseBase64` (write_file `encoding: "base64"`): strict. ASCII whitespace is ignored (MIME-wrapped
 *   input is common), padding is optional, and anything else outside the alphabet, misplaced `=`, or a
 *   length no encoder produces is refused with `invalid_arguments`, so corrupt input is never stored.
 *   `base64DecodedLength` gives the decoded size from the text alone, so caps are checked before decoding.
 */
import { ToolError } from "../errors/tool-error";

const CHUNK = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  const parts: string[] = [];
  // A multiple of 3 bytes per slice, so slices encode independently with no padding in between.
  const step = CHUNK - (CHUNK % 3);
  for (let offset = 0; offset < bytes.length; offset += step) {
    parts.push(btoa(String.fromCharCode(...bytes.subarray(offset, offset + step))));
  }
  return parts.join("");
}

const WHITESPACE = /[\t\n\f\r ]+/g;
const BODY = /^[A-Za-z0-9+/]*$/;

function invalid(parameter: string, why: string): ToolError {
  return new ToolError("invalid_arguments", `${parameter} is not valid base64: ${why}. Nothing was written.`, {
    parameter,
  });
}

/** The base64 alphabet part without whitespace and padding, or a refusal naming what is wrong. */
function canonicalBody(text: string, parameter: string): string {
  const compact = text.replace(WHITESPACE, "");
  const padding = compact.length - compact.replace(/=+$/, "").length;
  const body = compact.slice(0, compact.length - padding);
  if (!BODY.test(body)) {
    throw invalid(
      parameter,
      body.includes("=") ? "'=' may only end the text" : "it contains characters outside A-Z a-z 0-9 + /",
    );
  }
  if (body.length % 4 === 1) throw invalid(parameter, "its length is not one any encoder produces");
  if (padding > 2 || (padding > 0 && (body.length + padding) % 4 !== 0)) throw invalid(parameter, "wrong padding");
  return body;
}

/** Decoded size in bytes, without decoding; refuses malformed text the same way `parseBase64` does. */
export function base64DecodedLength(text: string, parameter = "content"): number {
  const body = canonicalBody(text, parameter);
  return Math.floor((body.length * 3) / 4);
}

export function parseBase64(text: string, parameter = "content"): Uint8Array {
  const body = canonicalBody(text, parameter);
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  // atob over slices of whole 4-character groups keeps each intermediate binary string small.
  const step = CHUNK * 4;
  let written = 0;
  for (let offset = 0; offset < body.length; offset += step) {
    const binary = atob(body.slice(offset, offset + step));
    for (let i = 0; i < binary.length; i++) out[written++] = binary.charCodeAt(i);
  }
  return out;
}
