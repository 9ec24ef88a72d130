/**
 * Calls the real Worker entry point with an env built for the test: the test's own JWKS and settings on
 * top of the Miniflare bindings (real R2). Env objects are cached per variant because the Worker caches
 * its parsed config per env object, as it would per isolate in production (so each `makeEnv` result
 * also gets its own in-memory limiter, block cache and storage ledger).
 *
 * The default test env is explicit about its limiter: ENVIRONMENT=development without Upstash, i.e. the
 * in-memory limiter with the default limits. Production-without-Upstash is a ConfigError (see
 * test/integration/limits.test.ts); the Redis tier passes UPSTASH_REDIS_REST_URL/TOKEN as overrides.
 */

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env as baseEnv } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { jwksOf, type TestKey } from "./keys";
import { AUDIENCE, ISSUER } from "./tokens";

export const ORIGIN = new URL(AUDIENCE).origin;

export function makeEnv(key: TestKey, overrides: Partial<Env> = {}): Env {
  return {
    ...baseEnv,
    ENVIRONMENT: "development",
    UPSTASH_REDIS_REST_URL: undefined,
    UPSTASH_REDIS_REST_TOKEN: undefined,
    OAUTH_ISSUER: ISSUER,
    OAUTH_AUDIENCE: AUDIENCE,
    OAUTH_JWKS: JSON.stringify(jwksOf(key)),
    OAUTH_JWKS_URL: undefined,
    ALLOWED_ORIGINS: "https://app.example.test",
    ...overrides,
  } as Env;
}

export async function callWorker(env: Env, input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = input instanceof Request ? input : new Request(new URL(input.toString(), ORIGIN), init);
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
} as const;

/** A raw JSON-RPC POST to /mcp, for protocol edges the SDK client would never produce. */
export function postMcp(env: Env, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return callWorker(env, "/mcp", {
    method: "POST",
    headers: { ...MCP_HEADERS, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function toolCall(name: string, args: Record<string, unknown>, id: number | string = 1) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } };
}
