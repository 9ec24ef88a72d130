/**
 * The edge: what every request gets before anyone looks at a credential.
 *   - `requestIdentity`: a request id (`X-Request-Id`), exactly one request log line and the request's
 *     audit events (sent to the audit queue after the answer), for every route;
 *   - `browserOriginPolicy`: for every route a browser can call (/mcp, discovery, metadata, health,
 *     unknown paths): the Origin check (DNS-rebinding protection, 403), CORS preflights and CORS headers;
 *     on /mcp also the isolate's config (503 naming the variable when it is broken);
 *   - `Edge`: for POST /mcp, the request's own facts the later stages need (client IP, the waitUntil
 *     hook), opened by the pipeline (mcp-pipeline.ts) once the isolate's state is loaded.
 */
import type { Context, MiddlewareHandler } from "hono";
import { createRequestLog, type RequestLog } from "../audit/audit-log";
import { sendAuditEvents } from "../audit/audit-producer";
import { createRequestAudit, type RequestAudit, requestOriginOf } from "../audit/request-audit";
import { ConfigError } from "../config/config-error";
import { errorDetail } from "../errors/error-detail";
import type { AppEnv } from "./app-env";
import { loadConfig, requireConfig } from "./isolate-config";
import type { IsolateState } from "./isolate-state";
import { corsHeaders, isOriginAllowed, preflightHeaders } from "./origin";
import { HttpError, jsonRpcErrorResponse, plainErrorResponse, withHeaders } from "./responses";

export function requestIdentity(): MiddlewareHandler<AppEnv> {
  return async function requestIdentityMiddleware(c, next) {
    const requestId = crypto.randomUUID();
    // The audit object observes the log, so every outcome and refusal the log hears reaches the trail.
    const audit = createRequestAudit(requestId, requestOriginOf(c.req.raw));
    const log = createRequestLog(requestId, Date.now, undefined, audit);
    c.set("log", log);
    c.set("audit", audit);
    await next();
    setResponseHeaders(c, { "x-request-id": log.requestId });
    // Loaded for this request already (every route loads it); if loading failed, every line is written.
    const loaded = await loadConfig(c.env).catch(() => undefined);
    const level = loaded === undefined || loaded instanceof ConfigError ? "info" : loaded.config.logLevel;
    const { status } = c.res;
    const method = c.req.method;
    const route = c.req.routePath;
    const answeredAt = Date.now();
    // After the answer, off its path: the audit events (OCSF mapping, redaction) and their queue send,
    // and the log line (serialisation, redaction, console). A timer turn lets the runtime take the
    // response first; neither can delay or fail it (audit-producer.ts). The events are built first, so
    // a log line that cannot be written never costs the trail its events.
    c.executionCtx.waitUntil(
      nextTurn().then(() => {
        // Whatever the events' building does, the request line is still written (and says so): a
        // request must never leave no trace at all (invariant 10).
        let sent: Promise<void> | undefined;
        try {
          const events = audit.finish(status, method, route);
          sent = events.length > 0 ? sendAuditEvents(c.env.AUDIT_QUEUE, events, requestId) : undefined;
        } catch (error) {
          log.security({ type: "internal_error", reason: "audit_events_failed", detail: errorDetail(error) });
        }
        log.finish(status, method, route, level, answeredAt);
        return sent;
      }),
    );
  };
}

/**
 * Sets headers on the answer in place; only a response whose headers are immutable is replaced by a
 * copy (hono's `c.res` setter copies the response again, so it is used only then).
 */
function setResponseHeaders(c: Context<AppEnv>, headers: Record<string, string>): void {
  const response = c.res;
  const answer = withHeaders(response, headers);
  if (answer !== response) c.res = answer;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function browserOriginPolicy(): MiddlewareHandler<AppEnv> {
  return async function browserOriginPolicyMiddleware(c, next) {
    if (c.get("originChecked")) return next();
    c.set("originChecked", true);
    const log = c.get("log");
    const origin = c.req.header("origin") ?? null;
    const path = c.req.path;
    // /mcp answers in JSON-RPC envelopes; every other path in the plain OAuth error shape.
    const shape = path === "/mcp" ? "json-rpc" : "plain";
    // Without an Origin (a server-side agent) only /mcp needs the config here; the other routes load it
    // themselves, so /healthz can still report a broken one.
    if (origin !== null || path === "/mcp") {
      const isolateConfig = await requireConfig(c.env, log, shape);
      if (!isOriginAllowed(origin, isolateConfig.config)) {
        log.security({ type: "origin_refused", reason: "origin_not_allowed" });
        log.set({ outcome: "denied", errorCode: "origin_not_allowed" });
        const message = "Forbidden: this Origin is not allowed";
        throw new HttpError(
          shape === "json-rpc"
            ? jsonRpcErrorResponse(403, -32000, message)
            : plainErrorResponse(403, "origin_not_allowed", `${message} (ALLOWED_ORIGINS lists the browser origins)`),
        );
      }
      c.set("isolateConfig", isolateConfig);
    }
    if (c.req.method === "OPTIONS") {
      // A preflight from an allowed origin, answered here for every path so a browser client can go on
      // to read the real answer (a 404 or 405 included). Without Origin it is no preflight: just Allow.
      const headers = origin === null ? { allow: allowedMethods(path) } : preflightHeaders(origin, path);
      return new Response(null, { status: 204, headers });
    }
    await next();
    if (origin !== null) setResponseHeaders(c, corsHeaders(origin));
  };
}

function allowedMethods(path: string): string {
  return path === "/mcp" ? "POST, OPTIONS" : "GET, OPTIONS";
}

/** One POST /mcp as the later stages see it. */
export interface Edge {
  readonly request: Request;
  readonly env: AppEnv["Bindings"];
  readonly state: IsolateState;
  readonly log: RequestLog;
  /** The request's audit record: authentication, the message and its outcome reach the trail through it. */
  readonly audit: RequestAudit;
  /** Cloudflare's CF-Connecting-IP; "unknown" (one shared bucket) when absent, never "unlimited". */
  readonly ip: string;
  /** ctx.waitUntil: bookkeeping the limiter may finish after the answer. */
  readonly defer: (work: Promise<unknown>) => void;
}
