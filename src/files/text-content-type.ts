/**
 * Content type stored with text written by write_file/edit_file: the type the name implies (so a
 * `.json` file is served as JSON), with an explicit UTF-8 charset for text types, and `text/plain` when
 * the name implies nothing or implies binary (the content is text either way).
 */
import mime from "mime/lite";

export function textContentType(name: string): string {
  const type = mime.getType(name);
  if (type === null) return "text/plain; charset=utf-8";
  if (type.startsWith("text/")) return `${type}; charset=utf-8`;
  if (type === "application/json" || type.endsWith("+json") || type.endsWith("+xml") || type === "application/javascript" || type === "application/xml") {
    return type;
  }
  return "text/plain; charset=utf-8";
}
