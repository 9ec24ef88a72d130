/**
 * Size caps for single reads and writes, chosen against the Workers isolate's 128 MB: a read is held
 * once as bytes and once as a UTF-16 string, then JSON-escaped into the response, so 4 MiB of text can
 * cost ~20 MB transiently. Larger files stay readable in pieces through `head`/`tail`.
 */
export const MAX_TEXT_READ_BYTES = 4 * 1024 * 1024;
export const MAX_WRITE_BYTES = 4 * 1024 * 1024;
/** Upper bound on what `head`/`tail` will scan to find their lines. */
export const MAX_LINE_WINDOW_BYTES = 4 * 1024 * 1024;
