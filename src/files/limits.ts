/**
 * Size caps for single reads and writes, chosen against the Workers isolate's 128 MB: a read is held
 * once as bytes and once as a UTF-16 string, then JSON-escaped into the response, so 4 MiB of text can
 * cost ~20 MB transiently. Larger files stay readable in pieces through `head`/`tail`.
 */
export const MAX_TEXT_READ_BYTES = 4 * 1024 * 1024;
export const MAX_WRITE_BYTES = 4 * 1024 * 1024;
/** Upper bound on what `head`/`tail` will scan to find their lines. */
export const MAX_LINE_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * A paged read (`offset`/`limit`) streams from the file's start, skipping lines by counting newline bytes
 * without decoding them; after its window it keeps counting to report the total only while at most this
 * much remains, so reading page 1 of a huge file does not stream the whole file.
 */
export const MAX_LINE_COUNT_BYTES = 16 * 1024 * 1024;

/**
 * read_media_file: the bytes are held once, then as base64 (4/3 the size, one byte per character in
 * V8), then again inside the JSON-RPC response, so 4 MiB costs ~20 MB at the peak, as a text read does.
 */
export const MAX_MEDIA_READ_BYTES = 4 * 1024 * 1024;

/**
 * read_multiple_files: how many paths one call may name, how many files are read at once (each read is
 * an R2 GET; a few in flight hide latency without piling up buffers), and the bytes all of them may
 * return together: every MiB returned costs tens of ms of Worker CPU (decoding, and the answer carries
 * it twice, as text and structured), so one call returns at most 1 MiB (bench --hostile).
 */
export const MAX_MULTI_READ_PATHS = 50;
export const MULTI_READ_CONCURRENCY = 4;
export const MAX_MULTI_READ_TOTAL_BYTES = 1024 * 1024;

/**
 * search_files and directory_tree walk R2's flat listing (1000 keys per list call). They stop after
 * this many objects (10 list calls) and say so, with a cursor to continue: a walk's CPU is the glob
 * tests per key, its memory the results held.
 */
export const MAX_WALK_VISITED = 10_000;
/**
 * What a walk may spend per call, counted, not timed (a Worker's clock stands still while it
 * computes): WALK_OBJECT_UNITS for each stored object listed (R2's listing, the entries it reveals,
 * the tree or result it adds to), plus one unit per glob alternative each path is tested against
 * (a pattern with braces expands to several; an exclude pattern tests a path and each of its parent
 * directories). Measured under wrangler dev, a unit is about half a microsecond of Worker CPU at
 * worst and an object about 25 µs (parsing its key into a path, the entries and results it makes), so
 * a walk's CPU stays near 30 ms whatever the patterns (1,200 objects at most); past the budget it
 * stops with a cursor.
 */
export const WALK_WORK_BUDGET = 60_000;
export const WALK_OBJECT_UNITS = 50;
/** Most matches one search_files call returns (each path is at most 700 bytes). */
export const MAX_SEARCH_RESULTS = 1000;

/**
 * search_file_contents, per call: bytes of file content read (decoding and matching cost CPU per byte),
 * files opened (one R2 GET each, within Workers' ~1,000 operations per invocation, beside the listings),
 * and the longest line held in memory to test. A search that reaches a bound stops at a line boundary
 * and returns a cursor that resumes there.
 */
export const MAX_CONTENT_SCAN_BYTES = 1024 * 1024;
export const MAX_CONTENT_SCAN_FILES = 500;
export const MAX_CONTENT_LINE_BYTES = 1024 * 1024;
/** Characters of a matching (or context) line returned; longer lines are cut with `…`. */
export const MAX_CONTENT_LINE_CHARS = 1000;
export const MAX_CONTENT_MATCHES = 1000;
export const MAX_CONTEXT_LINES = 10;
