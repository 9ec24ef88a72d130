/**
 * Content type stored with text written by write_file/edit_file: the type the name implies (so a
 * `.json` file is served as JSON), with an explicit UTF-8 charset for text/* types, and `text/plain`
 * when the name implies nothing or a binary type (the content is text either way).
 */
import { isLikelyText, mediaTypeFor } from "./media-type";

export function textContentType(name: string): string {
  const type = mediaTypeFor(name);
  if (!isLikelyText(type)) return "text/plain; charset=utf-8";
  return type.startsWith("text/") ? `${type}; charset=utf-8` : type;
}
