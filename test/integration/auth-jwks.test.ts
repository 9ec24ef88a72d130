/**
 * The remote key set (`OAUTH_JWKS_URL`): caching, outages, key rotation and jose's refetch cooldown.
 *
 * The Worker keeps one jose remote resolver per isolate per URL, so every test serves its key set at a
 * URL of its own. `fetch` is intercepted: requests to a served URL are answered by the test's handler
 * and counted; any other outbound fetch is recorded as a stray and fails the test.
 *
 * Invariant 5: when the key set cannot be had, the answer is 503 + Retry-After with a JSON-RPC error —
 * never a 401 that tells the client to throw its (valid) token away. A token naming a key the issuer
 * does not publish, on the other hand, is the caller's problem: 401 unknown_key.
 *
 * The refetch cooldown (30 s) counts from the last SUCCESSFUL fetch: an unknown `kid` refetches only when
 * that fetch is older than 30 s. After a failed fetch nothing is fetched for FAILURE_COOLDOWN_MS, and only
 * one fetch is ever in flight per isolate. The rotation tests move the clock with a faked `Date` (timers
 * stay real, so the fetch timeout still works).
 *
 * Which 503s count against the caller's IP (docs/authentication.md): a made-up `kid` or a forged
 * signature is the caller's choice even when the key set cannot be fetched to confirm it; a `kid` we hold
 * (or no keys at all) during an outage is not.
 */
import { env } from "cloudflare:workers";
import { exportJWK } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthFailureReason } from "../../src/auth/auth-failure";
import { FAILURE_COOLDOWN_MS, REFETCH_COOLDOWN_MS } from "../../src/auth/key-set";
import type { Env } from "../../src/env";
import { createTestKey, jwksOf, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { base64url, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, ORIGIN, toolCall } from "../support/worker";

const METADATA_URL = "https://files.example.test/.well-known/oauth-protected-resource/mcp";
const BASELINE_SCOPE = "files:read files:write";
const COOLDOWN_MS = 30_000;

let current: TestKey; // kid "current": published from the start
let next: TestKey; // kid "next": published after a rotation
let unpublished: TestKey; // kid "ghost": never published

beforeAll(async () => {
  [current, next, unpublished] = await Promise.all([
    createTestKey("current"),
    createTestKey("next"),
    createTestKey("ghost"),
  ]);
});

// ---------------------------------------------------------------------------------------------------
// A fake key-set host

type Handler = (call: number, init: RequestInit | undefined) => Response | Promise<Response>;

const routes = new Map<string, { handler: Handler; calls: number }>();
let strays: string[] = [];

beforeEach(() => {
  strays = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const href = input instanceof Request ? input.url : String(input);
    const route = routes.get(href);
    if (!route) {
      strays.push(href);
      throw new TypeError("auth-jwks: unexpected outbound fetch");
    }
    route.calls += 1;
    return route.handler(route.calls, init);
  });
});

afterEach(() => {
  routes.clear();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

interface Host {
  readonly env: Env;
  /** How many times the Worker fetched this host's key set. */
  calls(): number;
}

/** A key-set URL of this test's own (resolvers are cached per URL) and an env that trusts it. */
function host(name: string, handler: Handler, overrides: Partial<Env> = {}): Host {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  const url = `https://issuer.example.test/jwks/${slug}-${crypto.randomUUID().slice(0, 8)}.json`;
  routes.set(url, { handler, calls: 0 });
  return {
    env: makeEnv(current, { OAUTH_JWKS: undefined, OAUTH_JWKS_URL: url, ...overrides }),
    calls: () => routes.get(url)?.calls ?? 0,
  };
}

const serve =
  (...keys: TestKey[]): Handler =>
  () =>
    Response.json(jwksOf(...keys));
const network = (): Handler => () => Promise.reject(new TypeError("Network connection lost."));

/** Never answers; settles only when jose's timeout aborts the request. */
const hang = (): Handler => (_call, init) =>
  new Promise<Response>((_resolve, reject) => {
    const signal = init?.signal;
    if (!signal) return reject(new Error("jose sent no abort signal: the fetch could hang forever"));
    signal.addEventListener("abort", () => reject(signal.reason));
  });

/** Moves the (faked) clock; tokens are minted against it, and jose's cache and cooldown read it. */
function advanceClock(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

// ---------------------------------------------------------------------------------------------------
// One write attempt, and the checks every outcome shares

interface Outcome {
  readonly response: Response;
  readonly body: { jsonrpc?: string; error?: { code: number }; result?: { isError?: boolean } };
  readonly security: Record<string, unknown>[];
  readonly requestLine: Record<string, unknown> | undefined;
  readonly stored: boolean;
}

async function send(workerEnv: Env, token: string | undefined, ip?: string): Promise<Outcome> {
  const path = `jwks/${crypto.randomUUID()}.txt`;
  const headers: Record<string, string> = {
    ...MCP_HEADERS,
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    ...(ip === undefined ? {} : { "cf-connecting-ip": ip }),
  };
  const logs = captureLogs();
  let response: Response;
  let text: string;
  try {
    response = await callWorker(
      workerEnv,
      new Request(`${ORIGIN}/mcp`, {
        method: "POST",
        headers,
        body: JSON.stringify(toolCall("write_file", { path, content: "x" })),
      }),
    );
    text = await response.text();
  } finally {
    logs.restore();
  }
  if (token !== undefined) {
    for (const line of [text, ...logs.lines, ...[...response.headers].map(([name, value]) => `${name}: ${value}`)]) {
      expect(line.includes(token), "token echoed").toBe(false);
    }
  }
  expect(strays, "outbound fetch to a URL nobody configured").toEqual([]);
  const records = logs.records();
  return {
    response,
    body: JSON.parse(text) as Outcome["body"],
    security: records.filter((record) => record.kind === "security"),
    requestLine: records.find((record) => record.kind === "request"),
    stored: (await env.FILES.head(`files/alice/${path}`)) !== null,
  };
}

function expectOk(outcome: Outcome): void {
  expect(outcome.response.status, JSON.stringify(outcome.body)).toBe(200);
  expect(outcome.body.result?.isError).toBeFalsy();
  expect(outcome.stored).toBe(true);
  expect(outcome.security).toEqual([]);
}

function expectRefusedCommon(outcome: Outcome): void {
  expect(outcome.stored).toBe(false);
  expect(outcome.body.jsonrpc).toBe("2.0");
  expect(outcome.body.result).toBeUndefined();
  expect(outcome.body.error?.code).toBe(-32000);
}

/**
 * The key set could not be had: 503 + Retry-After, no Bearer challenge. The reason in the security log
 * says whether it was our outage alone or a made-up kid / forged signature we could not confirm.
 */
function expectUnavailable(
  outcome: Outcome,
  reason: Extract<AuthFailureReason, `key_set_unavailable${string}`> = "key_set_unavailable",
): void {
  expectRefusedCommon(outcome);
  expect(outcome.response.status).toBe(503);
  expect(outcome.response.headers.get("retry-after")).toBe("5");
  expect(outcome.response.headers.get("www-authenticate")).toBeNull();
  expect(outcome.security).toEqual([expect.objectContaining({ type: "auth_failure", reason })]);
  expect(outcome.requestLine).toMatchObject({ status: 503, outcome: "unavailable", errorCode: "jwks_unavailable" });
}

/** Refused from the IP's budget or block: 429, nothing verified. */
function expectThrottled(outcome: Outcome): void {
  expect(outcome.stored).toBe(false);
  expect(outcome.response.status).toBe(429);
  expect(Number(outcome.response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
}

/** `error: null`: the challenge must carry no `error` parameter (no credential was sent). */
function expectUnauthorized(outcome: Outcome, reason: AuthFailureReason, error: string | null = "invalid_token"): void {
  expectRefusedCommon(outcome);
  expect(outcome.response.status).toBe(401);
  const challenge = outcome.response.headers.get("www-authenticate") ?? "";
  expect(challenge.startsWith("Bearer ")).toBe(true);
  const params = Object.fromEntries([...challenge.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
  expect(params.error).toBe(error ?? undefined);
  expect(params.scope).toBe(BASELINE_SCOPE);
  expect(params.resource_metadata).toBe(METADATA_URL);
  expect(outcome.security).toEqual([expect.objectContaining({ type: "auth_failure", reason })]);
  expect(outcome.requestLine).toMatchObject({ status: 401, outcome: "denied", errorCode: reason });
}

const tokenFor = (key: TestKey) => mintToken({ key });

// ---------------------------------------------------------------------------------------------------

describe("caching", () => {
  it("fetches the key set once and answers later requests from the cache", async () => {
    const idp = host("cached", serve(current));
    for (let i = 0; i < 3; i += 1) expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(1);
  });

  it("fetches with a GET, an abort signal and no credential of ours", async () => {
    let seen: RequestInit | undefined;
    const idp = host("request-shape", (_call, init) => {
      seen = init;
      return Response.json(jwksOf(current));
    });
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(seen?.method).toBe("GET");
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.redirect).toBe("manual");
    expect(new Headers(seen?.headers).has("authorization")).toBe(false);
  });

  it("refetches once the cached set is older than 10 minutes", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const idp = host("max-age", serve(current));
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(9 * 60_000);
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(1);
    advanceClock(2 * 60_000);
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(2);
  });
});

describe("key set unavailable → 503 with Retry-After, never 401", () => {
  it.each<{ name: string; handler: Handler; overrides?: Partial<Env> }>([
    { name: "network error", handler: network() },
    { name: "timeout (OAUTH_JWKS_TIMEOUT_MS 200)", handler: hang(), overrides: { OAUTH_JWKS_TIMEOUT_MS: "200" } },
    { name: "HTTP 500", handler: () => new Response("upstream failed", { status: 500 }) },
    { name: "HTTP 404", handler: () => new Response("not found", { status: 404 }) },
    { name: "HTTP 503 with the key set in the body", handler: () => Response.json(jwksOf(current), { status: 503 }) },
    {
      name: "redirect (not followed)",
      handler: () => new Response(null, { status: 302, headers: { location: "https://attacker.example/jwks.json" } }),
    },
    {
      name: "200 with invalid JSON",
      handler: () => new Response('{"keys": [', { headers: { "content-type": "application/json" } }),
    },
    {
      name: "200 with an HTML error page",
      handler: () => new Response("<html>maintenance</html>", { headers: { "content-type": "text/html" } }),
    },
    {
      name: "200 with JSON that is not a key set",
      handler: () => Response.json({ issuer: "https://issuer.example.test/" }),
    },
    { name: "200 with keys that is not an array", handler: () => Response.json({ keys: { kid: "current" } }) },
    { name: "200 with a JSON array", handler: () => Response.json([current.publicJwk]) },
    {
      name: "200 with the PRIVATE key under the token's kid",
      handler: async () =>
        Response.json({ keys: [{ ...(await exportJWK(current.privateKey)), kid: "current", alg: "ES256" }] }),
    },
  ])("$name", async ({ name, handler, overrides }) => {
    const idp = host(name, handler, overrides);
    expectUnavailable(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(1);
  });

  it("rests briefly after a failure (no fetch), then refetches and recovers", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const idp = host("recovers", (call) =>
      call === 1 ? Promise.reject(new TypeError("Network connection lost.")) : Response.json(jwksOf(current)),
    );
    expectUnavailable(await send(idp.env, await tokenFor(current)));
    expectUnavailable(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(1);
    advanceClock(FAILURE_COOLDOWN_MS + 1_000);
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(2);
  });

  // Judgment call (reported): keys older than the 10-minute cache age never accept a token, not even
  // during the failure cooldown; they only tell a made-up kid or a forged signature from our outage.
  it("after the cache has aged out, an outage is a 503 even for a previously known key", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const idp = host("stale-then-down", (call) =>
      call === 1 ? Response.json(jwksOf(current)) : new Response("down", { status: 502 }),
    );
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(11 * 60_000);
    expectUnavailable(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(2);
    expectUnavailable(await send(idp.env, await tokenFor(current))); // resting: still not accepted, no fetch
    expect(idp.calls()).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------
// Issue 23: a burst of made-up kids against a key set that hangs

/** A token with a made-up kid and a junk signature: free to make, no key or valid token needed. */
async function forged(kid: string = crypto.randomUUID()): Promise<string> {
  const payload = (await tokenFor(current)).split(".")[1];
  const header = base64url(JSON.stringify({ alg: current.alg, kid, typ: "at+jwt" }));
  return `${header}.${payload}.${base64url(crypto.getRandomValues(new Uint8Array(64)))}`;
}

/** A token under a kid we hold, but not signed by its key. */
const forgedUnderKnownKid = () => mintToken({ key: unpublished, header: { kid: current.kid } });

interface BurstResult {
  readonly statuses: number[];
  /** The security log's auth_failure reasons, one per request that reached authentication. */
  readonly reasons: unknown[];
  readonly rateLimited: unknown[];
}

/** Sends every token at once from one IP (logs captured once for all: the spies are global). */
async function burst(workerEnv: Env, tokens: readonly string[], ip: string): Promise<BurstResult> {
  const logs = captureLogs();
  let responses: Response[];
  try {
    responses = await Promise.all(
      tokens.map((token) =>
        callWorker(
          workerEnv,
          new Request(`${ORIGIN}/mcp`, {
            method: "POST",
            headers: { ...MCP_HEADERS, authorization: `Bearer ${token}`, "cf-connecting-ip": ip },
            body: JSON.stringify(toolCall("write_file", { path: "burst.txt", content: "x" })),
          }),
        ),
      ),
    );
    await Promise.all(responses.map((response) => response.text()));
  } finally {
    logs.restore();
  }
  expect(strays).toEqual([]);
  const security = logs.records().filter((record) => record.kind === "security");
  return {
    statuses: responses.map((response) => response.status),
    reasons: security.filter((event) => event.type === "auth_failure").map((event) => event.reason),
    rateLimited: security.filter((event) => event.type === "rate_limited").map((event) => event.reason),
  };
}

const count = (values: readonly unknown[], value: unknown) => values.filter((v) => v === value).length;

describe("a burst of made-up kids against a hanging key set", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });

  /** The set is fetched once; once the refetch cooldown has passed, every further fetch hangs. */
  async function warmThenHanging(name: string, overrides: Partial<Env> = {}): Promise<Host> {
    const idp = host(name, (call, init) => (call === 1 ? Response.json(jwksOf(current)) : hang()(call, init)), {
      OAUTH_JWKS_TIMEOUT_MS: "300",
      ...overrides,
    });
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(REFETCH_COOLDOWN_MS + 1_000); // a made-up kid may now be a rotation: worth one refetch
    return idp;
  }

  it("30 concurrent made-up kids cost ONE fetch; each is a 503 naming the caller's choice", async () => {
    const idp = await warmThenHanging("burst-one-fetch");
    const tokens = await Promise.all(Array.from({ length: 30 }, () => forged()));
    const result = await burst(idp.env, tokens, "198.51.100.30");
    expect(idp.calls()).toBe(2); // the warm-up, and one refetch for the whole burst
    expect(result.statuses).toEqual(Array(30).fill(503));
    expect(result.reasons).toEqual(Array(30).fill("key_set_unavailable_unknown_key"));
    // A valid token meanwhile: answered from the keys held, no fetch (the failure cooldown).
    expectOk(await send(idp.env, await tokenFor(current), "198.51.100.31"));
    expect(idp.calls()).toBe(2);
  });

  it("on a cold isolate too, a burst shares one fetch", async () => {
    const idp = host("burst-cold", hang(), { OAUTH_JWKS_TIMEOUT_MS: "300" });
    const tokens = await Promise.all(Array.from({ length: 30 }, () => forged()));
    const result = await burst(idp.env, tokens, "198.51.100.32");
    expect(idp.calls()).toBe(1);
    expect(result.statuses).toEqual(Array(30).fill(503));
    // No keys held at all: nothing tells a made-up kid from a real one, so nobody is blamed.
    expect(result.reasons).toEqual(Array(30).fill("key_set_unavailable"));
  });

  it("the burst counts against the IP, so the IP block engages (10 per minute: 10 answers, then 429)", async () => {
    const idp = await warmThenHanging("burst-ip-block", { RATE_LIMIT_IP_REQUESTS: "10" });
    const attacker = "203.0.113.23";
    const tokens = await Promise.all(Array.from({ length: 30 }, () => forged()));
    const result = await burst(idp.env, tokens, attacker);
    expect(idp.calls()).toBe(2);
    expect(count(result.statuses, 503)).toBe(10);
    expect(count(result.statuses, 429)).toBe(20);
    expect(count(result.rateLimited, "ip_auth_failures")).toBe(20);
    // Blocked: even a valid token from that IP is refused before any token work (and any fetch).
    const valid = await send(idp.env, await tokenFor(current), attacker);
    expectThrottled(valid);
    expect(valid.security).toEqual([expect.objectContaining({ type: "rate_limited", reason: "ip_blocked" })]);
    expect(idp.calls()).toBe(2);
    // Another IP is not affected.
    expectOk(await send(idp.env, await tokenFor(current), "203.0.113.24"));
  });

  it("a forged signature under a kid we hold counts too, once our keys are too old to accept anything", async () => {
    const idp = host(
      "forged-known-kid",
      (call, init) => (call === 1 ? Response.json(jwksOf(current)) : hang()(call, init)),
      { OAUTH_JWKS_TIMEOUT_MS: "300", RATE_LIMIT_IP_REQUESTS: "3" },
    );
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(11 * 60_000);
    const attacker = "203.0.113.40";
    const tokens = await Promise.all(Array.from({ length: 6 }, () => forgedUnderKnownKid()));
    const result = await burst(idp.env, tokens, attacker);
    expect(idp.calls()).toBe(2);
    expect(count(result.statuses, 503)).toBe(3);
    expect(count(result.statuses, 429)).toBe(3);
    expect(count(result.reasons, "key_set_unavailable_bad_signature")).toBe(6);
  });

  it("our outage alone never counts: a valid token under a kid we hold, or no keys at all, is never throttled", async () => {
    const stale = host(
      "outage-known-kid",
      (call) => (call === 1 ? Response.json(jwksOf(current)) : new Response("down", { status: 502 })),
      { RATE_LIMIT_IP_REQUESTS: "2" },
    );
    expectOk(await send(stale.env, await tokenFor(current), "192.0.2.50"));
    advanceClock(11 * 60_000);
    for (let i = 0; i < 5; i += 1) expectUnavailable(await send(stale.env, await tokenFor(current), "192.0.2.51"));

    const cold = host("outage-cold", network(), { RATE_LIMIT_IP_REQUESTS: "2" });
    for (let i = 0; i < 5; i += 1) expectUnavailable(await send(cold.env, await forged(), "192.0.2.52"));
    expect(cold.calls()).toBe(1);
  });

  it("a token whose signature our old key accepts but whose claims fail is a plain 401 (the claims decide)", async () => {
    const idp = host("stale-expired", (call) =>
      call === 1 ? Response.json(jwksOf(current)) : new Response("down", { status: 502 }),
    );
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(11 * 60_000);
    const now = Math.floor(Date.now() / 1000);
    const expired = await mintToken({ key: current, claims: { iat: now - 600, exp: now - 300 } });
    expectUnauthorized(await send(idp.env, expired), "expired");
  });

  it("malformed tokens are refused before any key lookup, so they never wait on a fetch", async () => {
    const idp = await warmThenHanging("malformed-no-fetch");
    const [header, payload] = (await forged()).split(".");
    for (const token of [`${header}.${payload}.a+b/c`, `${header}.bm90LWpzb24.c2ln`, `${header}.${payload}`]) {
      expectUnauthorized(await send(idp.env, token), "malformed_token");
    }
    expect(idp.calls()).toBe(1);
  });
});

describe("key rotation and the 30 s refetch cooldown", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });

  it("unknown kid on a cold cache: one fetch, then 401 unknown_key (no second fetch right away)", async () => {
    const idp = host("cold-unknown", serve(current));
    expectUnauthorized(await send(idp.env, await tokenFor(unpublished)), "unknown_key");
    expect(idp.calls()).toBe(1);
  });

  it("a new kid is found by one refetch once the cooldown has passed (rotation)", async () => {
    const idp = host("rotation", (call) => Response.json(call === 1 ? jwksOf(current) : jwksOf(current, next)));
    expectOk(await send(idp.env, await tokenFor(current)));
    // Within the cooldown the set is not refetched, even though the issuer has already rotated.
    advanceClock(COOLDOWN_MS - 1_000);
    expectUnauthorized(await send(idp.env, await tokenFor(next)), "unknown_key");
    expect(idp.calls()).toBe(1);
    advanceClock(2_000);
    expectOk(await send(idp.env, await tokenFor(next)));
    expect(idp.calls()).toBe(2);
    // Both keys are now cached; neither needs another fetch.
    expectOk(await send(idp.env, await tokenFor(next)));
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(2);
  });

  it("a kid the refetch also lacks is 401 unknown_key, and a flood of them does not refetch during the cooldown", async () => {
    const idp = host("unknown-after-refetch", serve(current));
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(COOLDOWN_MS + 1_000);
    expectUnauthorized(await send(idp.env, await tokenFor(unpublished)), "unknown_key");
    expect(idp.calls()).toBe(2);
    for (let i = 0; i < 5; i += 1) expectUnauthorized(await send(idp.env, await tokenFor(unpublished)), "unknown_key");
    expect(idp.calls()).toBe(2);
    advanceClock(COOLDOWN_MS + 1_000);
    expectUnauthorized(await send(idp.env, await tokenFor(unpublished)), "unknown_key");
    expect(idp.calls()).toBe(3);
  });

  it("a failed rotation refetch is a 503 but keeps the cached keys for known kids", async () => {
    const idp = host("rotation-outage", (call) =>
      call === 1 ? Response.json(jwksOf(current)) : Promise.reject(new TypeError("Network connection lost.")),
    );
    expectOk(await send(idp.env, await tokenFor(current)));
    advanceClock(COOLDOWN_MS + 1_000);
    // "next" may be a real rotation we cannot fetch: 503, yet a kid we do not hold is the caller's choice.
    expectUnavailable(await send(idp.env, await tokenFor(next)), "key_set_unavailable_unknown_key");
    expect(idp.calls()).toBe(2);
    expectOk(await send(idp.env, await tokenFor(current)));
    expect(idp.calls()).toBe(2);
    // The refetch cooldown counts from the last SUCCESSFUL fetch; the failure cooldown rests after a
    // failed one, so a flood of unknown kids (no valid credential needed) cannot hammer a failing issuer.
    for (let i = 0; i < 5; i += 1) {
      expectUnavailable(await send(idp.env, await tokenFor(unpublished)), "key_set_unavailable_unknown_key");
    }
    expect(idp.calls()).toBe(2);
    advanceClock(FAILURE_COOLDOWN_MS + 1_000);
    expectUnavailable(await send(idp.env, await tokenFor(unpublished)), "key_set_unavailable_unknown_key");
    expect(idp.calls()).toBe(3);
  });

  it("a symmetric key published under a kid can never verify a token", async () => {
    const secret = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const idp = host("oct-in-set", () =>
      Response.json({ keys: [current.publicJwk, { kty: "oct", k: secret, kid: "shared", alg: "HS256" }] }),
    );
    // An asymmetric alg naming the oct key finds no usable key (kty mismatch).
    expectUnauthorized(
      await send(idp.env, await mintToken({ key: current, header: { kid: "shared" } })),
      "unknown_key",
    );
    expect(idp.calls()).toBe(1);
  });
});

describe("tokens refused before any key lookup cause no fetch at all", () => {
  const attackerUrl = "https://attacker.example/jwks.json";
  it.each<{ name: string; token: () => Promise<string | undefined>; reason: AuthFailureReason; error?: null }>([
    { name: "no credential", token: async () => undefined, reason: "missing_credential", error: null },
    {
      name: "alg none",
      token: async () =>
        `${base64url(JSON.stringify({ alg: "none", kid: "current" }))}.${(await tokenFor(current)).split(".")[1]}.`,
      reason: "algorithm_not_allowed",
    },
    {
      name: "HS256 keyed with a secret the token hopes we share",
      token: () => mintToken({ key: current, alg: "HS256", signingKey: crypto.getRandomValues(new Uint8Array(32)) }),
      reason: "algorithm_not_allowed",
    },
    {
      name: "jku naming an attacker key set",
      token: () => mintToken({ key: unpublished, header: { jku: attackerUrl } }),
      reason: "hostile_key_header",
    },
    {
      name: "x5u naming an attacker certificate",
      token: () => mintToken({ key: unpublished, header: { x5u: attackerUrl } }),
      reason: "hostile_key_header",
    },
    { name: "malformed token", token: async () => "not-a-jwt", reason: "malformed_token" },
    {
      name: "oversized token",
      token: () => mintToken({ key: current, claims: { padding: "x".repeat(20_000) } }),
      reason: "malformed_token",
    },
  ])("$name", async ({ name, token, reason, error }) => {
    const idp = host(name, serve(current));
    expectUnauthorized(await send(idp.env, await token()), reason, error === null ? null : "invalid_token");
    expect(idp.calls()).toBe(0);
  });
});
