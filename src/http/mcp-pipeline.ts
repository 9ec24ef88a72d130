/**
 * POST /mcp, top to bottom (DESIGN.md, "The request path"). Each stage owns one concern, takes the typed
 * results of the stages before it, and either hands on its own result or throws an HttpError carrying
 * the complete answer (the app's error handler sends it).
 *
 *   edge          config, Origin (middleware), declared body size, client IP     → Edge
 *   IP block      a blocked IP is refused from the isolate cache (429)
 *   authenticate  verifier by credential shape, then bindings (401 / 503)        → Principal
 *   body          capped read, one JSON-RPC message (or a 2025-03-26 batch, each
 *                 member served in turn: batch.ts)                                → ParsedBody
 *   message       protocol headers, the call parsed once, authorize, admission,
 *                 refusals, the call context, the MCP SDK (serve-message.ts)
 *
 * Loading on first use (docs/performance.md, "Startup"): this module is loaded with the first POST
 * /mcp (app.ts); the message stage and the tool registry with the first request that gets past
 * authentication and the body; jose with the first JWT or DPoP proof. A failed load rejects, and the
 * error handler answers 500: no stage is ever skipped.
 */
import type { Context } from "hono";
import { loadOnce } from "../loading/load-once";
import { loadToolRegistry } from "../tools/tool-registry-loader";
import type { AppEnv } from "./app-env";
import { authenticate } from "./authenticate";
import { assertDeclaredLengthWithin, readBody } from "./body";
import type { Edge } from "./edge";
import { refuseBlockedIp } from "./ip-block";
import { isolateState } from "./isolate-state";

/** The message stage (serve-message.ts) with the tool registry it looks tools up in. */
export type MessageStageLoader = () => Promise<Pick<typeof import("./serve-message"), "serveBody">>;

const loadMessageStage: MessageStageLoader = loadOnce(async () => {
  const [stage] = await Promise.all([import("./serve-message"), loadToolRegistry()]);
  return stage;
});

/** For POST /mcp: the declared body size (413 without reading) and the request's own facts. */
export function openEdge(c: Context<AppEnv>): Edge {
  const state = isolateState(c.env, c.get("isolateConfig"));
  assertDeclaredLengthWithin(c.req.raw, state.config.maxRequestBytes);
  return {
    request: c.req.raw,
    env: c.env,
    state,
    log: c.get("log"),
    audit: c.get("audit"),
    ip: c.req.header("cf-connecting-ip")?.trim() || "unknown",
    defer: (work) => c.executionCtx.waitUntil(work),
  };
}

/** `loadStage`: only tests pass their own (to see a failed load fail closed). */
export function createMcpRequestHandler(loadStage: MessageStageLoader = loadMessageStage) {
  return async function handleMcpRequest(c: Context<AppEnv>): Promise<Response> {
    const edge = openEdge(c);
    await refuseBlockedIp(edge);
    const principal = await authenticate(edge);
    const body = await readBody(edge);
    // The SDK, the policy decision, the sandbox and the tools (their schemas, the regex engine, diffing)
    // load with the first request that gets this far; later stages look tools up in what was loaded.
    const { serveBody } = await loadStage();
    return serveBody(edge, principal, body);
  };
}

export const handleMcpRequest = createMcpRequestHandler();
