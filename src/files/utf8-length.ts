/**
 * UTF-8 byte length of a string without encoding it. Tool cost hooks run on the hot path before every
 * call, and `TextEncoder.encode` would allocate a full copy of up to 4 MiB of content just to count it.
 * Lone surrogates count 3 bytes, as TextEncoder writes them (U+FFFD).
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
