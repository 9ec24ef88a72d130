/**
 * Structured audit log: one JSON line per request, with the request's security events as its `security`
 * field. An event raised after the line was written (deferred work in ctx.waitUntil) gets a line of its
 * own with the request id. One line, not one per event: under `wrangler dev` every console line is also
 * a local HTTP post, and every line costs serialisation and redaction.
 *
 * `LOG_LEVEL=warn` (load tests, noisy dev loops) leaves out the lines of requests that raised no security
 * event and did not fail on our side; refusals, outages and internal errors are always written.
 *
 * What may be logged is decided by the types: callers pass named fields from `RequestFields` and
 * `SecurityEvent`, never a request, a header bag or a token. `redact` is the second line of defence: it
 * drops any field whose name says credential or content, and any string that looks like a JWT, so a
 * future field cannot leak one by accident (invariant 2, docs/architecture.md).
 */
import type { LogLevel } from "../config/config";

export type Outcome = "ok" | "tool_error" | "client_error" | "denied" | "rate_limited" | "unavailable" | "server_error";

export interface RequestFields {
  tenant?: string;
  subject?: string;
  clientId?: string;
  /** JSON-RPC method (`tools/call`, `initialize`, …). */
  rpcMethod?: string;
  tool?: string;
  /** Stable error code of a tool error or refusal; never the message. */
  errorCode?: string;
  /** The access decision of a tools/call (src/policy/decide.ts) and the rule (or `scope:…`) that made it. */
  decision?: string;
  rule?: string;
  outcome?: Outcome;
}

export type SecurityEventType =
  | "auth_failure"
  | "scope_refused"
  | "policy_refused"
  | "path_refused"
  | "origin_refused"
  | "config_error"
  | "dependency_unavailable"
  | "internal_error"
  | "rate_limited"
  | "degraded_decision";

export interface SecurityEvent {
  type: SecurityEventType;
  /** A stable reason code (`expired`, `dot_dot_segment`, …). */
  reason: string;
  tool?: string;
  scope?: string;
  /** The policy rule (or `scope:…`) behind a refusal. */
  rule?: string;
  /** For internal errors only: error class and code, for the operator. */
  detail?: string;
}

export type LogSink = (line: string) => void;

export type { LogLevel };

/** Sees every `set` and `security` call: the request's audit object (request-audit.ts). */
export interface LogObserver {
  observeFields(fields: RequestFields): void;
  observeSecurity(event: SecurityEvent): void;
}

const FORBIDDEN_FIELD = /authorization|token|cookie|secret|password|api[-_]?key|^content$|^body$|^text$/i;
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
// Values this module fills from a fixed vocabulary or by itself: never free text, so never scanned.
const FIXED_FIELDS = new Set(["kind", "time", "requestId", "httpMethod", "status", "durationMs", "outcome", "type"]);

function maskJwts(value: string): string {
  // Every JWT starts with "eyJ" (base64url of `{"`): skip the regex for the strings that cannot hold one.
  return value.includes("eyJ") ? value.replace(JWT_LIKE, "[redacted-jwt]") : value;
}

export function redact(record: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (value === undefined || FORBIDDEN_FIELD.test(key)) continue;
    if (typeof value === "string") clean[key] = FIXED_FIELDS.has(key) ? value : maskJwts(value);
    else if (Array.isArray(value))
      clean[key] = value.map((item) =>
        item !== null && typeof item === "object" ? redact(item as Record<string, unknown>) : item,
      );
    else clean[key] = value;
  }
  return clean;
}

export interface RequestLog {
  readonly requestId: string;
  set(fields: RequestFields): void;
  security(event: SecurityEvent): void;
  /**
   * Writes the request line (events included); called once the response is known. `endedAt` (default
   * now) is when the answer was ready, so a line written later still reports the answer's duration.
   */
  finish(status: number, httpMethod: string, route: string, level?: LogLevel, endedAt?: number): void;
}

// console.log is what Workers Logs and `wrangler tail` collect; tests pass their own sink.
const consoleSink: LogSink = (line) => console.log(line);

export function createRequestLog(
  requestId: string,
  now: () => number = Date.now,
  sink: LogSink = consoleSink,
  observer?: LogObserver,
): RequestLog {
  const started = now();
  const fields: RequestFields = {};
  const events: SecurityEvent[] = [];
  let finished = false;
  const write = (record: Record<string, unknown>) => sink(JSON.stringify(redact(record)));
  return {
    requestId,
    set(update) {
      Object.assign(fields, update);
      observer?.observeFields(update);
    },
    security(event) {
      observer?.observeSecurity(event);
      if (!finished) {
        events.push({ ...event });
        return;
      }
      write({
        kind: "security",
        time: new Date(now()).toISOString(),
        requestId,
        tenant: fields.tenant,
        subject: fields.subject,
        ...event,
      });
    },
    finish(status, httpMethod, route, level = "info", endedAt = now()) {
      if (finished) return;
      finished = true;
      if (level === "warn" && events.length === 0 && status < 500) return;
      write({
        kind: "request",
        time: new Date(started).toISOString(),
        requestId,
        httpMethod,
        route,
        status,
        durationMs: endedAt - started,
        ...fields,
        outcome: fields.outcome ?? (status >= 500 ? "server_error" : status >= 400 ? "client_error" : "ok"),
        ...(events.length > 0 ? { security: events } : {}),
      });
    },
  };
}
