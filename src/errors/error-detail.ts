/** What an internal error may say in logs (used by the request path, the tool seam and the audit consumer). */
/**
 * Class name, code and the top stack frames: enough for an operator to find the bug. Never the message,
 * which can quote data (V8's JSON.parse error quotes the input it choked on).
 */
export function errorDetail(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const code = (error as { code?: unknown }).code;
  const head = typeof code === "string" || typeof code === "number" ? `${error.name} (${code})` : error.name;
  const frames = (error.stack ?? "")
    .split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .slice(0, 3)
    .map((line) => line.trim());
  return [head, ...frames].join(" | ");
}
