/**
 * W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header):
 * `version-traceid-parentid-flags`, lowercase hex. Anything else is ignored, never echoed: the value
 * comes from the client and only a well-formed id goes into an audit event.
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

export function parseTraceparent(value: unknown): TraceIds | undefined {
  if (typeof value !== "string" || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId] = match as unknown as [string, string, string, string];
  // Version ff is invalid; all-zero ids are invalid (§3.2.2.3, §3.2.2.4). Future versions may append
  // fields, which the optional tail admits for versions other than 00.
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  if (version === "00" && match[0].length !== 55) return undefined;
  return { traceId, spanId };
}

/**
 * The 2026-07-28 era carries trace context in `params._meta.traceparent` (the MCP `_meta` convention);
 * the 2025 era only in the HTTP header. `_meta` wins when both are present: it belongs to this message.
 */
export function traceFrom(message: unknown, header: string | null): TraceIds | undefined {
  const params = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params;
  const meta = params && typeof params === "object" ? params._meta : undefined;
  return parseTraceparent(meta && typeof meta === "object" ? meta.traceparent : undefined) ?? parseTraceparent(header);
}
