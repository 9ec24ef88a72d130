/**
 * The Worker's Origin policy as an attacker would probe it: any route (real, unknown, odd), any method,
 * preflight or not, and an Origin that is the allowed one, the server's own, or a near miss built from
 * them (another scheme, port, case, a suffix or prefix, a trailing slash or path, `null`, garbage). The
 * property: a request is answered with CORS headers for exactly the origins on the list, and those
 * headers name that origin and nothing wider; every other Origin gets 403 with no CORS header at all,
 * whatever the route. Driven through the real Worker entry point.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey } from "../support/keys";
import { AUDIENCE } from "../support/tokens";
import { callWorker, makeEnv } from "../support/worker";

const ALLOWED = ["https://app.example.test", new URL(AUDIENCE).origin];

let workerEnv: Env;

beforeAll(async () => {
  workerEnv = makeEnv(await createTestKey("origin-property"));
});

const nearMiss = fc.oneof(
  fc.constantFrom(...ALLOWED),
  fc.constantFrom(...ALLOWED).map((origin) => origin.toUpperCase()),
  fc.constantFrom(...ALLOWED).map((origin) => `${origin}/`),
  fc
    .constantFrom(...ALLOWED)
    .map((origin) => origin.replace(/^https?:/, (scheme) => (scheme === "https:" ? "http:" : "https:"))),
  fc
    .tuple(fc.constantFrom(...ALLOWED), fc.integer({ min: 1, max: 65535 }))
    .map(([origin, port]) => `${origin}:${port}`),
  fc.tuple(fc.constantFrom(...ALLOWED), fc.domain()).map(([origin, domain]) => `${origin}.${domain}`),
  fc
    .tuple(fc.webSegment(), fc.constantFrom(...ALLOWED))
    .map(([prefix, origin]) => origin.replace("://", `://${prefix}.`)),
  fc.tuple(fc.constantFrom(...ALLOWED), fc.webPath()).map(([origin, path]) => `${origin}${path}`),
  fc.constantFrom("null", "*", "", " https://app.example.test", "https://app.example.test ", "file://"),
  fc.webUrl().map((url) => new URL(url).origin),
);

const route = fc.oneof(
  fc.constantFrom(
    "/mcp",
    "/",
    "/healthz",
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-protected-resource/mcp",
  ),
  fc.webPath(),
);

describe("the Origin policy on every route", () => {
  it("CORS headers for exactly the allowed origins, 403 without any for the rest", async () => {
    await fc.assert(
      fc.asyncProperty(
        nearMiss,
        route,
        fc.constantFrom("GET", "POST", "OPTIONS", "DELETE", "PUT"),
        async (origin, path, method) => {
          const headers = new Headers({ "access-control-request-method": "POST" });
          try {
            headers.set("origin", origin);
          } catch {
            return; // not a header value a client can send at all
          }
          const sent = headers.get("origin") ?? "";
          // Concatenated, not resolved: a path like "//x" must stay a path, not become a host.
          const request = new Request(`${new URL(AUDIENCE).origin}${path}`, {
            method,
            headers,
            ...(method === "POST" || method === "PUT" ? { body: "{}" } : {}),
          });
          const response = await callWorker(workerEnv, request);
          const allowOrigin = response.headers.get("access-control-allow-origin");
          if (ALLOWED.includes(sent)) {
            expect(response.status, `${sent} ${method} ${path}`).not.toBe(403);
            expect(allowOrigin).toBe(sent);
          } else {
            expect(response.status, `${sent} ${method} ${path}`).toBe(403);
            expect(allowOrigin).toBeNull();
            expect(response.headers.get("access-control-allow-methods")).toBeNull();
          }
          await response.body?.cancel();
        },
      ),
      { numRuns: 150 },
    );
  });
});
