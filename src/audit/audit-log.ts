/**
 * Structured audit log: one JSON line per request and one per security event, correlated by request id.
 *
 * What may be logged is decided by the types: callers pass named fields from `RequestFields` and
 * `SecurityEvent`, never a request, a header bag or a token. `redact` is the second line of defence: it
 * drops any field whose name says credential or content, and any string that looks like a JWT, so a
 * future field cannot leak one by accident (invariant 2, docs/architecture.md).
 */
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

/** Sees every `set` and `security` call: the request's audit object (request-audit.ts). */
export interface LogObserver {
  observeFields(fields: RequestFields): void;
  observeSecurity(event: SecurityEvent): void;
}

const FORBIDDEN_FIELD = /authorization|token|cookie|secret|password|api[-_]?key|^content$|^body$|^text$/i;
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export function redact(record: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || FORBIDDEN_FIELD.test(key)) continue;
    clean[key] = typeof value === "string" ? value.replace(JWT_LIKE, "[redacted-jwt]") : value;
  }
  return clean;
}

export interface RequestLog {
  readonly requestId: string;
  set(fields: RequestFields): void;
  security(event: SecurityEvent): void;
  /** Writes the request line; called once when the response is known. */
  finish(status: number, httpMethod: string, route: string): void;
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
      write({
        kind: "security",
        time: new Date(now()).toISOString(),
        requestId,
        tenant: fields.tenant,
        subject: fields.subject,
        ...event,
      });
    },
    finish(status, httpMethod, route) {
      if (finished) return;
      finished = true;
      write({
        kind: "request",
        time: new Date(started).toISOString(),
        requestId,
        httpMethod,
        route,
        status,
        durationMs: now() - started,
        ...fields,
        outcome: fields.outcome ?? (status >= 500 ? "server_error" : status >= 400 ? "client_error" : "ok"),
      });
    },
  };
}
