/**
 * The edge: what every request gets before anyone looks at a credential.
 *   - `requestIdentity`: a request id (`X-Request-Id`) and exactly one request log line, for every route;
 *   - `browserOriginPolicy`: the isolate's config (503 naming the variable when it is broken), the
 *     Origin check (DNS-rebinding protection, 403) and CORS, for everything under /mcp;
 *   - `openEdge`: for POST /mcp, the declared body size (413 without reading) and the request's own
 *     facts the later stages need (client IP, the waitUntil hook).
 */
import type { Context, MiddlewareHandler } from "hono";
import { createRequestLog, type RequestLog } from "../audit/audit-log";
import type { AppEnv } from "./app-env";
import { assertDeclaredLengthWithin } from "./body";
import type { IsolateState } from "./isolate-state";
import { requireState } from "./isolate-state";
import { corsHeaders, isOriginAllowed } from "./origin";
import { HttpError, jsonRpcErrorResponse, withHeaders } from "./responses";

export function requestIdentity(): MiddlewareHandler<AppEnv> {
  return async function requestIdentityMiddleware(c, next) {
    const log = createRequestLog(crypto.randomUUID());
    c.set("log", log);
    await next();
    c.res = withHeaders(c.res, { "x-request-id": log.requestId });
    log.finish(c.res.status, c.req.method, c.req.routePath);
  };
}

export function browserOriginPolicy(): MiddlewareHandler<AppEnv> {
  return async function browserOriginPolicyMiddleware(c, next) {
    const log = c.get("log");
    const state = requireState(c.env, log);
    const origin = c.req.header("origin") ?? null;
    if (!isOriginAllowed(origin, c.req.url, state.config.allowedOrigins)) {
      log.security({ type: "origin_refused", reason: "origin_not_allowed" });
      log.set({ outcome: "denied", errorCode: "origin_not_allowed" });
      throw new HttpError(jsonRpcErrorResponse(403, -32000, "Forbidden: this Origin is not allowed"));
    }
    c.set("state", state);
    await next();
    if (origin !== null) c.res = withHeaders(c.res, corsHeaders(origin));
  };
}

/** One POST /mcp as the later stages see it. */
export interface Edge {
  readonly request: Request;
  readonly env: AppEnv["Bindings"];
  readonly state: IsolateState;
  readonly log: RequestLog;
  /** Cloudflare's CF-Connecting-IP; "unknown" (one shared bucket) when absent, never "unlimited". */
  readonly ip: string;
  /** ctx.waitUntil: bookkeeping the limiter may finish after the answer. */
  readonly defer: (work: Promise<unknown>) => void;
}

export function openEdge(c: Context<AppEnv>): Edge {
  const state = c.get("state");
  assertDeclaredLengthWithin(c.req.raw, state.config.maxRequestBytes);
  return {
    request: c.req.raw,
    env: c.env,
    state,
    log: c.get("log"),
    ip: c.req.header("cf-connecting-ip")?.trim() || "unknown",
    defer: (work) => c.executionCtx.waitUntil(work),
  };
}
