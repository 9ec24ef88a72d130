/**
 * The Worker's routes. POST /mcp runs the request pipeline (src/http/mcp-pipeline.ts: edge → IP block →
 * authenticate → body → admission → authorize → MCP); everything else here is the edge around it:
 * a request id, one log line and the audit events per request, the Origin policy, CORS and preflights
 * for every route a browser can call, discovery (`/`, RFC 9728 metadata), health.
 */
import { Hono } from "hono";
import type { RequestLog } from "./audit/audit-log";
import { ConfigError } from "./config/config-error";
import type { Env } from "./env";
import { errorDetail } from "./errors/error-detail";
import type { AppEnv } from "./http/app-env";
import { browserOriginPolicy, requestIdentity } from "./http/edge";
import { loadConfig, requireConfig } from "./http/isolate-config";
import { protectedResourceMetadata } from "./http/protected-resource-metadata";
import { HttpError, jsonRpcErrorResponse, plainErrorResponse } from "./http/responses";
import { serverInfo } from "./http/server-info";
import { loadOnce } from "./loading/load-once";

/**
 * The MCP pipeline (authentication, limits, the SDK, the tools) is loaded with the first POST /mcp, not
 * at module load: a cold isolate, a health check, a preflight or a metadata request never evaluates it
 * (docs/performance.md, "Startup"). A failed load rejects, and the error handler answers 500.
 */
export type McpPipelineLoader = () => Promise<Pick<typeof import("./http/mcp-pipeline"), "handleMcpRequest">>;

const loadMcpPipeline: McpPipelineLoader = loadOnce(() => import("./http/mcp-pipeline"));

/** Every route this Worker serves (each also answers CORS preflights; edge.ts). */
const ROUTES = [
  "/",
  "/healthz",
  "/.well-known/oauth-protected-resource",
  "/.well-known/oauth-protected-resource/mcp",
  "/mcp",
];

/** `loadPipeline`: only tests pass their own (to see a failed load fail closed). */
export function createApp(loadPipeline: McpPipelineLoader = loadMcpPipeline): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use("*", requestIdentity());
  // Before any route: a browser client calls metadata and discovery cross-origin too (with
  // MCP-Protocol-Version, so preflighted), and a disallowed Origin gets 403 wherever it knocks. Mounted
  // on each route first, so the request log and audit events name the route a refused or preflighted
  // request was for; then for every other path.
  for (const path of ROUTES) app.use(path, browserOriginPolicy());
  app.use("*", browserOriginPolicy());

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
  app.get("/", async (c) => {
    const { config, resourceMetadataUrl } = await requireConfig(c.env, c.get("log"), "plain");
    return c.json(serverInfo(config, resourceMetadataUrl));
  });

  app.get("/healthz", async (c) => {
    const loaded = await loadConfig(c.env);
    if (loaded instanceof ConfigError) return c.json({ status: "misconfigured", variable: loaded.variable }, 503);
    return c.json({ status: "ok" });
  });

  const metadata = async (c: { env: Env; get(key: "log"): RequestLog }) => {
    const { config } = await requireConfig(c.env, c.get("log"), "plain");
    return new Response(JSON.stringify(protectedResourceMetadata(config)), {
      headers: {
        "content-type": "application/json",
        "cache-control": "public, max-age=3600",
        // The answer differs by Origin (CORS headers for allowed ones, 403 for others), so a shared cache
        // must not hand one origin's copy to another.
        vary: "Origin",
      },
    });
  };
  app.get("/.well-known/oauth-protected-resource", metadata);
  app.get("/.well-known/oauth-protected-resource/mcp", metadata);

  // Stateless server: no SSE stream to resume and no session to delete (MCP transport spec).
  const methodNotAllowed = () =>
    jsonRpcErrorResponse(405, -32000, "Method not allowed: this stateless server accepts POST only", {
      allow: "POST, OPTIONS",
    });
  app.get("/mcp", methodNotAllowed);
  app.delete("/mcp", methodNotAllowed);

  app.post("/mcp", async (c) => (await loadPipeline()).handleMcpRequest(c));

  // Plain JSON, not a JSON-RPC envelope: OAuth clients probing well-known paths parse `{"error": …}`.
  app.notFound(() =>
    plainErrorResponse(404, "not_found", "No such path. The MCP endpoint is POST /mcp; GET / describes this server."),
  );
  return app;
}
