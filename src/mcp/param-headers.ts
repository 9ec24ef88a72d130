/**
 * SEP-2243 custom headers (2026-07-28 streamable HTTP, "Custom headers from tool parameters"): each tool
 * marks its `path`, `source` and `destination` arguments with `x-mcp-header`, so a 2026-07-28 client sends
 * them again as `Mcp-Param-Path` / `-Source` / `-Destination` and a WAF or gateway in front can apply path
 * rules without parsing JSON. That only holds if this server refuses a call whose headers disagree with
 * the body it acts on (-32020, checked in src/http/protocol-headers.ts before any decision is taken).
 *
 * Rules, as the spec states them: an argument present (and not null) in the body needs its header; an
 * absent or null one needs none (a header sent anyway is ignored); `=?base64?…?=` values are decoded
 * first and a malformed one is refused. Headers never decide anything: the body's arguments do, after
 * this check proved they agree.
 */

/** The arguments mirrored, and the header name each one declares. */
export const MIRRORED_ARGUMENTS: Readonly<Record<string, string>> = {
  path: "Path",
  source: "Source",
  destination: "Destination",
};

export const PARAM_HEADER_PREFIX = "Mcp-Param-";

interface JsonSchemaObject {
  properties?: Record<string, { type?: unknown; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** The declarations of a listing's input schema: argument → header name (string-typed, top level only). */
export function paramHeaderDeclarations(inputSchema: unknown): { argument: string; header: string }[] {
  const properties = (inputSchema as JsonSchemaObject | undefined)?.properties ?? {};
  const found: { argument: string; header: string }[] = [];
  for (const [argument, schema] of Object.entries(properties)) {
    const header = schema?.["x-mcp-header"];
    if (typeof header === "string" && schema.type === "string") found.push({ argument, header });
  }
  return found;
}

/** The input schema with `x-mcp-header` on each mirrored string argument it has. */
export function withParamHeaders<T>(inputSchema: T): T {
  const schema = inputSchema as JsonSchemaObject;
  if (!schema.properties) return inputSchema;
  const properties = { ...schema.properties };
  for (const [argument, header] of Object.entries(MIRRORED_ARGUMENTS)) {
    const property = properties[argument];
    if (property?.type === "string") properties[argument] = { ...property, "x-mcp-header": header };
  }
  return { ...schema, properties } as T;
}

export type ParamHeaderProblem = { header: string; problem: string };

/**
 * Why the headers disagree with the arguments, or undefined when they agree. `decode` undoes the
 * `=?base64?…?=` form (undefined when malformed); `read` returns a header's value, trimmed.
 */
export function checkParamHeaders(
  declarations: readonly { argument: string; header: string }[],
  args: unknown,
  read: (name: string) => string | undefined,
  decode: (value: string) => string | undefined,
): ParamHeaderProblem | undefined {
  const values = (args !== null && typeof args === "object" ? args : {}) as Record<string, unknown>;
  for (const { argument, header } of declarations) {
    const body = Object.hasOwn(values, argument) ? values[argument] : undefined;
    // Absent or null: no header expected. Not a primitive: the tool refuses the arguments anyway (-32602).
    const expected =
      typeof body === "string"
        ? body
        : typeof body === "number" || typeof body === "boolean"
          ? String(body)
          : undefined;
    if (expected === undefined) continue;
    const name = `${PARAM_HEADER_PREFIX}${header}`;
    const sent = read(name);
    if (sent === undefined)
      return { header: name, problem: `the body has ${argument} but the ${name} header is absent` };
    const decoded = decode(sent);
    if (decoded === undefined) return { header: name, problem: `the ${name} header is not valid Base64 UTF-8` };
    if (decoded !== expected) {
      return { header: name, problem: `the ${name} header does not match arguments.${argument}` };
    }
  }
  return undefined;
}
