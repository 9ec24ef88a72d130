/**
 * Bytes → base64 for read_media_file. Uses `Uint8Array.prototype.toBase64` where the runtime has it;
 * otherwise `btoa` over 32 KiB slices, so no call builds an argument list or a binary string the size
 * of the whole file.
 */
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
