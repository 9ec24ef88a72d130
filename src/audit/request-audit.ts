/**
 * The one audit object of a request (`c.get("audit")` in app.ts, `audit` in the tool seam). Stages
 * tell it what they decided; at the end it turns that into OCSF events and hands them to the queue.
 *
 * It also observes the request log (audit-log.ts): every `log.set` and `log.security` call reaches
 * `observe*`, so an outcome, an error code or a refusal reason (and a rule id added by a later stage)
 * ends up in the audit event without a second call at each site.
 *
 * Events per request: one Authentication event when a credential was checked; one File Hosting event
 * per tool call (also for calls refused before the seam: scope, rate limit, unknown tool); one API
 * Activity event for any other MCP method or for a /mcp request refused before its method was known.
 */
import { isOurOutage } from "../auth/auth-failure";
import type { Principal } from "../auth/principal";
import type { AuditFact, Decision, EventContext, FactOutcome, FileActivity } from "./audit-facts";
import type { RequestFields, SecurityEvent } from "./audit-log";
import { type ContentSummary, hasFindings, total } from "./content-facts";
import { type OcsfEvent, toOcsfEvent } from "./ocsf-mapping";
import { redactEvent } from "./redaction";
import { activityOfTool, pathsOf } from "./tool-activities";
import { traceFrom } from "./traceparent";

export interface FileActivityInput {
  readonly tool: string;
  readonly activity?: FileActivity;
  readonly paths: readonly string[];
  readonly bytesRead?: number | undefined;
  readonly bytesWritten?: number | undefined;
  readonly outcome: FactOutcome;
  readonly errorCode?: string | undefined;
  readonly decision?: Decision | undefined;
  readonly sensitivity?: readonly ContentSummary[] | undefined;
}

export interface RequestAudit {
  readonly requestId: string;
  /** After authentication: who is calling, with what kind of credential. */
  authenticated(principal: Principal): void;
  /** The parsed JSON-RPC message: method, trace context, and (for a refused call) the named paths. */
  message(message: { method?: unknown; params?: unknown }): void;
  /** An authorization decision (scope or policy) and the rule that made it. */
  decided(decision: Decision): void;
  /**
   * One tool call, from the seam. Returns the id its event will carry (`metadata.uid`), so the result
   * can name it before the event is built (`npm run audit -- query --event <id>`).
   */
  file(input: FileActivityInput): string;
  /** Bytes of content returned by this request's successful reads (QUOTA_DAILY_BYTES_READ counts them). */
  bytesRead(): number;
  observeFields(fields: RequestFields): void;
  observeSecurity(event: SecurityEvent & { rule?: string }): void;
  /** Builds the request's events (redacted); called once when the response is known. */
  finish(status: number, httpMethod: string, route: string): OcsfEvent[];
}

/** Request attributes the audit keeps: never the headers as a whole. */
export interface RequestOrigin {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly traceparent?: string | null | undefined;
  readonly country?: string | undefined;
  readonly asn?: number | undefined;
}

export function requestOriginOf(request: Request): RequestOrigin {
  const cf = (request as { cf?: { country?: unknown; asn?: unknown } }).cf;
  return {
    ip: request.headers.get("cf-connecting-ip")?.trim() || undefined,
    userAgent: request.headers.get("user-agent")?.slice(0, 256) || undefined,
    traceparent: request.headers.get("traceparent"),
    country: typeof cf?.country === "string" && /^[A-Z0-9]{2}$/.test(cf.country) ? cf.country : undefined,
    asn: typeof cf?.asn === "number" && Number.isInteger(cf.asn) ? cf.asn : undefined,
  };
}

const SECURITY_RULES: Partial<Record<SecurityEvent["type"], (event: SecurityEvent & { rule?: string }) => string>> = {
  scope_refused: (event) => event.rule ?? `scope:${event.scope ?? "unknown"}`,
  path_refused: (event) => event.rule ?? `path:${event.reason}`,
  origin_refused: (event) => event.rule ?? "origin",
  rate_limited: (event) => event.rule ?? `rate_limit:${event.reason}`,
  policy_refused: (event) => event.rule ?? `policy:${event.reason}`,
} as Partial<Record<string, (event: SecurityEvent & { rule?: string }) => string>>;

export function createRequestAudit(
  requestId: string,
  origin: RequestOrigin,
  options: {
    now?: () => number;
    newId?: () => string;
    /** A member of a JSON-RPC batch: the batch's own request records the authentication, once. */
    batchMember?: boolean;
  } = {},
): RequestAudit {
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => crypto.randomUUID());
  const started = now();
  const fields: RequestFields = {};
  let principal: (Principal & { keyId?: string }) | undefined;
  let trace = traceFrom(null, origin.traceparent ?? null);
  let rawArguments: unknown;
  let toolName: string | undefined;
  let authFailure: { reason: string } | undefined;
  let decision: Decision | undefined;
  const files: (FileActivityInput & { uid: string })[] = [];
  let finished = false;

  const context = (): EventContext => ({
    time: started,
    requestId,
    tenant: principal?.tenant ?? fields.tenant,
    subject: principal?.subject ?? fields.subject,
    clientId: principal?.clientId ?? fields.clientId,
    credentialKind: principal?.credentialKind,
    keyId: principal?.keyId,
    ip: origin.ip,
    userAgent: origin.userAgent,
    country: origin.country,
    asn: origin.asn,
    traceId: trace?.traceId,
    spanId: trace?.spanId,
  });

  const outcomeFor = (status: number): FactOutcome =>
    fields.outcome ?? (status >= 500 ? "server_error" : status >= 400 ? "client_error" : "ok");

  return {
    requestId,
    authenticated(value) {
      principal = value as Principal & { keyId?: string };
    },
    message(message) {
      trace = traceFrom(message, origin.traceparent ?? null) ?? trace;
      const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
      if (message.method !== "tools/call" || !params || typeof params !== "object") return;
      rawArguments = params.arguments;
      if (typeof params.name === "string") toolName = params.name.slice(0, 64);
    },
    decided(value) {
      decision = value;
    },
    file(input) {
      const uid = newId();
      files.push({ ...input, uid });
      return uid;
    },
    bytesRead() {
      return files.reduce((sum, file) => sum + (file.outcome === "ok" ? (file.bytesRead ?? 0) : 0), 0);
    },
    observeFields(update) {
      Object.assign(fields, update);
    },
    observeSecurity(event) {
      if (event.type === "auth_failure") authFailure = { reason: event.reason };
      const rule = Object.hasOwn(SECURITY_RULES, event.type) ? SECURITY_RULES[event.type]?.(event) : undefined;
      if (rule !== undefined) decision = { allowed: false, rule };
    },
    finish(status, httpMethod, route) {
      if (finished) return [];
      finished = true;
      const facts: AuditFact[] = [];
      const ctx = context();
      if ((principal || authFailure) && !options.batchMember) {
        facts.push({
          kind: "authentication",
          uid: newId(),
          context: ctx,
          // Our outages are not failed authentications (the detectors count those per IP and subject).
          outcome: principal ? "success" : authFailure && isOurOutage(authFailure.reason) ? "unavailable" : "failure",
          reason: principal ? undefined : authFailure?.reason,
          authTime: principal?.authTime,
        });
      }
      for (const file of files) {
        const { activity, name } = activityOfTool(file.tool);
        facts.push({
          kind: "file",
          uid: file.uid,
          context: ctx,
          tool: file.tool,
          activity: file.activity ?? activity,
          activityName: name,
          paths: file.paths,
          bytesRead: file.bytesRead,
          bytesWritten: file.bytesWritten,
          outcome: file.outcome,
          errorCode: file.errorCode,
          decision: file.decision ?? decision,
          ...(file.sensitivity && file.sensitivity.length > 0 ? { sensitivity: file.sensitivity } : {}),
        });
        const fileEvent = facts.at(-1)!.uid;
        for (const summary of file.sensitivity ?? []) {
          if (!hasFindings(summary)) continue;
          const found = total(summary.detectors);
          const redacted = total(summary.redacted);
          facts.push({
            kind: "finding",
            uid: newId(),
            time: ctx.time,
            detector: "sensitive_data",
            title: `Sensitive data ${summary.action === "write" ? "written" : "read"}: ${[...summary.categories, ...summary.flags].join(", ")}`,
            description:
              `${file.tool} ${summary.action === "write" ? "wrote" : "read"} /${summary.path}: ` +
              `${summary.detectors.map((entry) => `${entry.id} ×${entry.count}`).join(", ") || "no detector findings"}` +
              `${summary.flags.length > 0 ? `; flags ${summary.flags.join(", ")}` : ""}` +
              `${summary.action === "read" ? `; ${redacted} span(s) redacted` : ""}; outcome ${file.outcome}.`,
            subjectKey: `principal:${ctx.subject ?? "unknown"}`,
            tenant: ctx.tenant,
            subject: ctx.subject,
            ip: ctx.ip,
            observed: found,
            threshold: 1,
            windowSeconds: 0,
            evidence: [fileEvent],
            sensitivity: summary,
          });
        }
      }
      const method = fields.rpcMethod;
      const tool = fields.tool ?? toolName;
      if (files.length === 0 && method === "tools/call" && tool !== undefined && principal) {
        // Refused before the seam ran (scope, rate limit, quota at the edge, unknown tool).
        const { activity, name } = activityOfTool(tool);
        facts.push({
          kind: "file",
          uid: newId(),
          context: ctx,
          tool,
          activity,
          activityName: name,
          paths: pathsOf(rawArguments),
          outcome: outcomeFor(status),
          errorCode: fields.errorCode,
          decision,
        });
      } else if (files.length === 0 && route.startsWith("/mcp") && !(authFailure && !principal)) {
        facts.push({
          kind: "api",
          uid: newId(),
          context: ctx,
          operation: method ?? `HTTP ${httpMethod} ${route}`,
          httpStatus: status,
          outcome: outcomeFor(status),
          errorCode: fields.errorCode,
          decision,
        });
      }
      return facts.map((fact) => redactEvent(toOcsfEvent(fact)));
    },
  };
}
