/**
 * The request path of docs/architecture.md, in one direction:
 *   edge (request id, config, Origin, declared body size, CORS) → IP block cache → authenticate
 *   (a failure is counted against the IP) → body (cap, one JSON-RPC message) → rate limits and daily
 *   quotas (one Upstash round trip) → scope check (403 step-up) → MCP → tool seam → sandbox → R2.
 * Every answer gets an `X-Request-Id` and exactly one request log line.
 */
import { Hono } from "hono";
import { createRequestLog, type RequestLog } from "./audit/audit-log";
import { sendAuditEvents } from "./audit/audit-producer";
import { createRequestAudit, type RequestAudit, requestOriginOf } from "./audit/request-audit";
import { createJwtVerifier, type JwtVerifier } from "./auth/jwt-verifier";
import { hasScope, type Principal, type Scope } from "./auth/principal";
import { type Config, ConfigError, parseConfig } from "./config/config";
import type { Env } from "./env";
import { errorDetail } from "./errors/error-detail";
import { authenticate } from "./http/authenticate";
import { assertDeclaredLengthWithin, type JsonRpcMessage, parseSingleMessage, readCappedText } from "./http/body";
import { buildBearerChallenge, resourceMetadataUrlFor, stepUpScope } from "./http/challenge";
import { corsHeaders, isOriginAllowed, preflightHeaders } from "./http/origin";
import { protectedResourceMetadata } from "./http/protected-resource-metadata";
import { checkProtocolHeaders } from "./http/protocol-headers";
import { HttpError, jsonRpcErrorResponse, plainErrorResponse, serviceUnavailable } from "./http/responses";
import { serverInfo } from "./http/server-info";
import { operationOf, requestCost } from "./limits/request-cost";
import {
  admitRequest,
  clientIp,
  countFailedAuthentication,
  createLimitsRuntime,
  ipKey,
  type LimitsRuntime,
  refuseIfBlocked,
} from "./limits/request-limits";
import { createStorageMeter } from "./limits/storage-meter";
import { handleMcpPost } from "./mcp/handle-mcp-post";
import { createWorkflowRunner } from "./operations/workflow-runner";
import { Sandbox } from "./sandbox/sandbox";
import { findTool, TOOLS } from "./tools/registry";

type AppEnv = {
  Bindings: Env;
  Variables: { log: RequestLog; audit: RequestAudit; config: Config; principal: Principal };
};

interface IsolateState {
  readonly config: Config;
  readonly verifier: JwtVerifier;
  readonly resourceMetadataUrl: string;
  readonly limits: LimitsRuntime;
}

// Parsed once per env object: config and the verifier (with its JWKS cache) are safe to share between
// requests and tenants; a ConfigError is cached too, so a broken deployment fails fast and uniformly.
const isolateState = new WeakMap<object, IsolateState | ConfigError>();

function loadState(env: Env): IsolateState | ConfigError {
  let state = isolateState.get(env);
  if (!state) {
    try {
      const config = parseConfig(env);
      state = {
        config,
        verifier: createJwtVerifier(config),
        resourceMetadataUrl: resourceMetadataUrlFor(config.audience),
        limits: createLimitsRuntime(config.limits),
      };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      state = error;
    }
    isolateState.set(env, state);
  }
  return state;
}

/** `shape`: JSON-RPC errors under /mcp, plain JSON `{"error": …}` on every other path. */
function requireState(env: Env, log: RequestLog, shape: "json-rpc" | "plain" = "json-rpc"): IsolateState {
  const state = loadState(env);
  if (state instanceof ConfigError) {
    log.security({ type: "config_error", reason: state.variable });
    log.set({ outcome: "server_error", errorCode: "config_error" });
    // The variable name helps the operator and reveals nothing secret; the value is never echoed.
    throw new HttpError(serviceUnavailable(`Server misconfigured: ${state.message}`, shape));
  }
  return state;
}

function requiredScope(message: JsonRpcMessage): Scope | undefined {
  if (message.method !== "tools/call") return undefined;
  const name = (message.params as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? findTool(name)?.scope : undefined;
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
  return copy;
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const requestId = crypto.randomUUID();
    // The audit object observes the log, so every outcome and refusal the log hears reaches the trail.
    const audit = createRequestAudit(requestId, requestOriginOf(c.req.raw));
    const log = createRequestLog(requestId, Date.now, undefined, audit);
    c.set("log", log);
    c.set("audit", audit);
    await next();
    c.res = withHeaders(c.res, { "x-request-id": log.requestId });
    log.finish(c.res.status, c.req.method, c.req.routePath);
    const events = audit.finish(c.res.status, c.req.method, c.req.routePath);
    // After the answer: the queue send never delays or fails the response (audit-producer.ts).
    if (events.length > 0) c.executionCtx.waitUntil(sendAuditEvents(c.env.AUDIT_QUEUE, events, requestId));
  });

  app.onError((error, c) => {
    if (error instanceof HttpError) return error.response;
    const log = c.get("log");
    log.security({ type: "internal_error", reason: "unhandled_exception", detail: errorDetail(error) });
    log.set({ outcome: "server_error", errorCode: "internal_error" });
    const message = `Internal error (request ${log.requestId})`;
    return c.req.path === "/mcp"
      ? jsonRpcErrorResponse(500, -32603, message)
      : plainErrorResponse(500, "server_error", message);
  });

  // What this is and where to start, for a person or a client that was given only the host.
  app.get("/", (c) => {
    const state = requireState(c.env, c.get("log"), "plain");
    return c.json(serverInfo(state.config, state.resourceMetadataUrl));
  });

  app.get("/healthz", (c) => {
    const state = loadState(c.env);
    if (state instanceof ConfigError) return c.json({ status: "misconfigured", variable: state.variable }, 503);
    return c.json({ status: "ok" });
  });

  const metadata = (c: { env: Env; get(key: "log"): RequestLog }) => {
    const { config } = requireState(c.env, c.get("log"), "plain");
    return new Response(JSON.stringify(protectedResourceMetadata(config)), {
      headers: {
        "content-type": "application/json",
        "access-control-allow-origin": "*",
        "cache-control": "public, max-age=3600",
      },
    });
  };
  app.get("/.well-known/oauth-protected-resource", metadata);
  app.get("/.well-known/oauth-protected-resource/mcp", metadata);

  // Browser-origin policy and CORS for everything under /mcp.
  app.use("/mcp", async (c, next) => {
    const state = requireState(c.env, c.get("log"));
    const origin = c.req.header("origin") ?? null;
    if (!isOriginAllowed(origin, state.config)) {
      c.get("log").security({ type: "origin_refused", reason: "origin_not_allowed" });
      c.get("log").set({ outcome: "denied", errorCode: "origin_not_allowed" });
      throw new HttpError(jsonRpcErrorResponse(403, -32000, "Forbidden: this Origin is not allowed"));
    }
    c.set("config", state.config);
    await next();
    if (origin !== null) c.res = withHeaders(c.res, corsHeaders(origin));
  });

  app.options("/mcp", (c) => {
    const origin = c.req.header("origin");
    return new Response(null, { status: 204, headers: origin ? preflightHeaders(origin) : {} });
  });

  // Stateless server: no SSE stream to resume and no session to delete (MCP transport spec).
  const methodNotAllowed = () =>
    jsonRpcErrorResponse(405, -32000, "Method not allowed: this stateless server accepts POST only", {
      allow: "POST, OPTIONS",
    });
  app.get("/mcp", methodNotAllowed);
  app.delete("/mcp", methodNotAllowed);

  app.post("/mcp", async (c) => {
    const log = c.get("log");
    const state = requireState(c.env, log);
    assertDeclaredLengthWithin(c.req.raw, state.config.maxRequestBytes);
    const ip = clientIp(c.req.raw);
    // Bookkeeping the limiter may finish after the answer (refunds and strikes of a refusal).
    const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    // A blocked IP is refused here, before any token work and without an Upstash round trip.
    refuseIfBlocked(state.limits, await ipKey(ip), "ip", log);
    let principal: Principal;
    try {
      principal = await authenticate(c.req.raw, {
        verifier: state.verifier,
        resourceMetadataUrl: state.resourceMetadataUrl,
        log,
        expected: { issuer: state.config.issuer, audience: state.config.audience },
      });
      c.get("audit").authenticated(principal);
    } catch (error) {
      // Brute-forcing tokens costs the IP like any request: 429 once it is over, else the 401.
      if (error instanceof HttpError && error.response.status === 401)
        await countFailedAuthentication(state.limits, ip, log, defer);
      throw error;
    }
    const message = parseSingleMessage(await readCappedText(c.req.raw, state.config.maxRequestBytes));
    c.get("audit").message(message);
    checkProtocolHeaders(c.req.raw.headers, message);
    if (typeof message.method === "string") log.set({ rpcMethod: message.method.slice(0, 64) });
    const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
    const scope = requiredScope(message);
    const scopeMissing = scope !== undefined && !hasScope(principal, scope);
    // A call that will be refused for its scope still counts against the rate limits (so 403s cannot
    // be spammed for free) but spends no daily quota: nothing will be written or deleted.
    const admitted = await admitRequest(state.limits, {
      ip,
      principal,
      cost: scopeMissing ? { units: 1 } : requestCost(message, findTool),
      operation: scopeMissing ? "read" : operationOf(message, findTool),
      log,
      id,
      defer,
    });

    if (scopeMissing) {
      const tool = (message.params as { name: string }).name;
      log.set({ tool, outcome: "denied", errorCode: "insufficient_scope" });
      log.security({ type: "scope_refused", reason: "insufficient_scope", tool, scope });
      const challenge = buildBearerChallenge({
        error: "insufficient_scope",
        scope: stepUpScope(principal.scopes, scope),
        resourceMetadataUrl: state.resourceMetadataUrl,
      });
      return jsonRpcErrorResponse(
        403,
        -32000,
        `Forbidden: ${tool} requires the ${scope} scope`,
        { "www-authenticate": challenge, ...admitted.headers },
        id,
      );
    }

    const meter = createStorageMeter(state.limits.ledger, admitted.storageKey, state.config.limits.storageBytes, log);
    const response = await handleMcpPost({
      request: c.req.raw,
      message,
      principal,
      sandbox: new Sandbox(c.env.FILES, principal.tenant, {
        meter,
        operations: createWorkflowRunner(c.env.TREE_OPERATIONS),
      }),
      log,
      audit: c.get("audit"),
      tools: TOOLS,
      refusal: admitted.refusal,
    });
    return withHeaders(response, admitted.headers);
  });

  // Plain JSON, not a JSON-RPC envelope: OAuth clients probing well-known paths parse `{"error": …}`.
  app.notFound(() =>
    plainErrorResponse(404, "not_found", "No such path. The MCP endpoint is POST /mcp; GET / describes this server."),
  );
  return app;
}
