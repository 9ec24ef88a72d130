/**
 * Attacks on bearer authentication, end to end through the real Worker with an inline key set.
 *
 * Every case sends a `write_file` tools/call and checks the whole answer: HTTP status, the exact
 * `WWW-Authenticate` challenge (error code, scope, resource_metadata), the JSON-RPC error body, the
 * security event's reason code, that nothing reached R2, that no outbound fetch happened (no key was
 * fetched from a URL the token named), and that the credential never appears in a response or log line.
 * Positive controls in each table prove the same request is accepted when the token is good, so the
 * refusals are about the attack and not about the harness.
 */
import { env } from "cloudflare:workers";
import { CompactSign, decodeJwt, exportSPKI, FlattenedSign, type JWTPayload } from "jose";
import { afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { AuthFailureReason } from "../../src/auth/auth-failure";
import type { Env } from "../../src/env";
import type { BearerError } from "../../src/http/challenge";
import { createTestKey, jwksOf, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { AUDIENCE, base64url, ISSUER, type MintOptions, mintToken } from "../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv, ORIGIN, toolCall } from "../support/worker";

const METADATA_URL = "https://files.example.test/.well-known/oauth-protected-resource/mcp";
const BASELINE_SCOPE = "files:read files:write";

// ---------------------------------------------------------------------------------------------------
// Keys and environments

let trusted: TestKey; // ES256, kid "k1": the one key of `trustedEnv`
let impostor: TestKey; // ES256, also kid "k1", never published
let foreign: TestKey; // ES256, kid "k-foreign", never published
let es384: TestKey;
let rsa: TestKey;
let pss: TestKey;
let eddsa: TestKey;
let ed25519: TestKey;
let trustedEnv: Env;
let multiEnv: Env; // trusts every algorithm family
let orgEnv: Env; // tenant from `org_id`

beforeAll(async () => {
  [trusted, impostor, foreign, es384, rsa, pss, eddsa, ed25519] = await Promise.all([
    createTestKey("k1", "ES256"),
    createTestKey("k1", "ES256"),
    createTestKey("k-foreign", "ES256"),
    createTestKey("es384-1", "ES384"),
    createTestKey("rsa-1", "RS256"),
    createTestKey("ps-1", "PS256"),
    createTestKey("eddsa-1", "EdDSA"),
    createTestKey("ed25519-1", "Ed25519"),
  ]);
  trustedEnv = makeEnv(trusted);
  multiEnv = makeEnv(trusted, { OAUTH_JWKS: JSON.stringify(jwksOf(trusted, es384, rsa, pss, eddsa, ed25519)) });
  orgEnv = makeEnv(trusted, { OAUTH_TENANT_CLAIM: "org_id" });
});

// No test here configures a remote key set, so any outbound fetch would be the token steering us.
let fetchSpy: MockInstance<typeof fetch>;
beforeEach(() => {
  fetchSpy = vi.spyOn(globalThis, "fetch").mockRejectedValue(new Error("auth-attacks: no network"));
});
afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------------
// Token helpers

const now = () => Math.floor(Date.now() / 1000);
const segment = (value: unknown) => base64url(typeof value === "string" ? value : JSON.stringify(value));
const bytes = (text: string) => new TextEncoder().encode(text);

function fromBase64url(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

function partsOf(token: string): { h: string; p: string; s: string; payload: Record<string, unknown> } {
  const [h = "", p = "", s = ""] = token.split(".");
  return { h, p, s, payload: JSON.parse(new TextDecoder().decode(fromBase64url(p))) as Record<string, unknown> };
}

/** A token from the trusted key, with `mintToken`'s knobs. */
const mint = (options: Partial<MintOptions> = {}) => mintToken({ key: trusted, ...options });

/** Claims with odd types that jose's `SignJWT` typings would not let through. */
const oddClaims = (claims: Record<string, unknown>) => claims as JWTPayload & Record<string, unknown>;

/** The default claims `mintToken` would issue now. */
async function defaultClaims(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { ...partsOf(await mint()).payload, ...overrides };
}

/**
 * Signs `header.payloadSegment` with an ES256 key directly through WebCrypto, so headers that jose refuses
 * to produce (`crit` with unknown or unencoded-payload extensions) can still carry a valid signature.
 */
async function signEs256(
  header: Record<string, unknown>,
  payloadSegment: string,
  key: TestKey = trusted,
): Promise<string> {
  const input = `${segment(header)}.${payloadSegment}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, bytes(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

// ---------------------------------------------------------------------------------------------------
// The harness: one write attempt, and the checks every case makes

interface Attempt {
  /** Authorization header value(s); several values become several header lines. */
  authorization?: string | string[];
  /** Appended to `/mcp`. */
  query?: string;
  env?: Env;
  /** The tenant a successful write would land in (default: `sub` "alice"). */
  tenant?: string;
  /** Strings that must never be echoed in a response or a log line. */
  secrets: string[];
}

type Expectation =
  | { readonly status: 200 }
  /** `error: null`: the challenge must carry no `error` parameter (no credential was presented). */
  | { readonly status: 401; readonly reason: AuthFailureReason; readonly error: BearerError | null }
  | { readonly status: 403; readonly scope: string; readonly challenged?: string };

interface Row {
  readonly name: string;
  readonly attempt: () => Attempt | Promise<Attempt>;
  readonly expected: Expectation;
}

const ACCEPTED: Expectation = { status: 200 };
const refused = (reason: AuthFailureReason, error: BearerError | null = "invalid_token"): Expectation => ({
  status: 401,
  reason,
  error,
});
const bearer = (token: string, extra: Partial<Attempt> = {}): Attempt => ({
  authorization: `Bearer ${token}`,
  secrets: [token],
  ...extra,
});

const DPOP_CHALLENGE = 'DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"';

/**
 * The Bearer challenge of a WWW-Authenticate header. A 401 also carries `DPoP algs="…"` after it (RFC 9449
 * §7.1), with no error for these Bearer requests; a 403 carries the Bearer challenge alone.
 */
function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  expect(header, "WWW-Authenticate").not.toBeNull();
  const [bearer = "", dpop] = (header ?? "").split(/, (?=DPoP )/);
  if (dpop !== undefined) expect(dpop).toBe(DPOP_CHALLENGE);
  const match = /^(\S+) (.*)$/s.exec(bearer);
  expect(match, `challenge shape: ${header}`).not.toBeNull();
  const params: Record<string, string> = {};
  const rest = match?.[2] ?? "";
  const param = /([a-z_]+)="((?:[^"\\]|\\.)*)"(?:, |$)/gy;
  let consumed = 0;
  for (let m = param.exec(rest); m; m = param.exec(rest)) {
    expect(params, `duplicate ${m[1]}`).not.toHaveProperty(m[1]!);
    params[m[1]!] = m[2]!.replace(/\\(.)/g, "$1");
    consumed = param.lastIndex;
  }
  expect(consumed, `unparsed challenge tail: ${header}`).toBe(rest.length);
  return { scheme: match?.[1] ?? "", params };
}

async function attempt(spec: Attempt, expected: Expectation): Promise<void> {
  const marker = `probe-${crypto.randomUUID()}`;
  const path = `attacks/${marker}.txt`;
  const headers = new Headers(MCP_HEADERS);
  for (const value of [spec.authorization ?? []].flat()) headers.append("authorization", value);
  const logs = captureLogs();
  let response: Response;
  let body: string;
  try {
    response = await callWorker(
      spec.env ?? trustedEnv,
      new Request(`${ORIGIN}/mcp${spec.query ?? ""}`, {
        method: "POST",
        headers,
        body: JSON.stringify(toolCall("write_file", { path, content: "written by an attacker" })),
      }),
    );
    body = await response.text();
  } finally {
    logs.restore();
  }
  const records = logs.records();
  const security = records.filter((record) => record.kind === "security");
  const requestLine = records.find((record) => record.kind === "request");

  // The credential is never echoed: not in the body, not in a header, not in any log line.
  const echoed = [body, ...logs.lines, ...[...response.headers].map(([name, value]) => `${name}: ${value}`)];
  for (const secret of spec.secrets) {
    for (const text of echoed) expect(text.includes(secret), "credential echoed").toBe(false);
  }
  // Nothing in a token may make us fetch anything (jku, x5u, …).
  expect(fetchSpy).not.toHaveBeenCalled();

  const stored = await env.FILES.head(`files/${spec.tenant ?? "alice"}/${path}`);
  const rpc = JSON.parse(body) as { jsonrpc: string; error?: { code: number }; result?: { isError?: boolean } };
  expect(rpc.jsonrpc).toBe("2.0");

  if (expected.status === 200) {
    expect(response.status, body).toBe(200);
    expect(rpc.error).toBeUndefined();
    expect(rpc.result?.isError).toBeFalsy();
    expect(stored, "the write took effect").not.toBeNull();
    expect(security).toEqual([]);
    expect(requestLine).toMatchObject({ status: 200, outcome: "ok", tenant: spec.tenant ?? "alice" });
    return;
  }

  // Refused: nothing ran, anywhere in the bucket.
  expect(stored).toBeNull();
  const everything = await env.FILES.list({ include: [] });
  expect(everything.objects.filter((object) => object.key.includes(marker))).toEqual([]);
  expect(rpc.result).toBeUndefined();
  expect(rpc.error?.code).toBe(-32000);

  const challenge = parseChallenge(response.headers.get("www-authenticate"));
  expect(challenge.scheme).toBe("Bearer");
  expect(challenge.params.resource_metadata).toBe(METADATA_URL);
  expect(response.status).toBe(expected.status);

  if (expected.status === 401) {
    expect(challenge.params.error).toBe(expected.error ?? undefined);
    expect(challenge.params.scope).toBe(BASELINE_SCOPE);
    // Only a caller-fixable mismatch is described, naming our own public values; every other reason
    // stays generic (the audit log has the detail).
    const described: Partial<Record<AuthFailureReason, string>> = {
      wrong_audience: `this server accepts only aud ${AUDIENCE}`,
      wrong_issuer: `this server trusts only ${ISSUER}`,
      token_in_query: "Authorization header only",
    };
    const description = described[expected.reason];
    if (description === undefined) expect(challenge.params.error_description).toBeUndefined();
    else expect(challenge.params.error_description).toContain(description);
    expect(security).toEqual([expect.objectContaining({ type: "auth_failure", reason: expected.reason })]);
    expect(requestLine).toMatchObject({ status: 401, outcome: "denied", errorCode: expected.reason });
    expect(requestLine).not.toHaveProperty("tenant");
  } else {
    expect(challenge.params.error).toBe("insufficient_scope");
    // The challenge asks for the held file scopes plus the needed one (MCP 2025-11-25 step-up).
    expect(challenge.params.scope).toBe(expected.challenged ?? expected.scope);
    expect(security).toEqual([
      expect.objectContaining({ type: "scope_refused", reason: "insufficient_scope", scope: expected.scope }),
    ]);
    expect(requestLine).toMatchObject({
      status: 403,
      outcome: "denied",
      errorCode: "insufficient_scope",
      tool: "write_file",
    });
  }
}

const runRow = async (row: Row) => attempt(await row.attempt(), row.expected);

// ---------------------------------------------------------------------------------------------------

describe("credential transport: the Authorization header, Bearer scheme, one token", () => {
  const basic = btoa("alice:correct-horse-battery");
  const MALFORMED = refused("malformed_authorization_header", "invalid_request");
  const OTHER_SCHEME = refused("unsupported_scheme", null);
  const IN_QUERY = refused("token_in_query", "invalid_request");
  /** Mints a good token and places it (`t`) in the request as `place` says. */
  const placed = (place: (t: string) => Partial<Attempt>) => async (): Promise<Attempt> => {
    const t = await mint();
    return { secrets: [t], ...place(t) };
  };
  it.each<Row>([
    {
      name: "no Authorization header → challenge without error",
      attempt: () => ({ secrets: [] }),
      expected: refused("missing_credential", null),
    },
    {
      name: "empty Authorization header → challenge without error",
      attempt: () => ({ authorization: "", secrets: [] }),
      expected: refused("missing_credential", null),
    },
    // RFC 6750 §3.1: an unsupported scheme gets a challenge without an error code.
    {
      name: "Basic credentials",
      attempt: () => ({ authorization: `Basic ${basic}`, secrets: [basic] }),
      expected: OTHER_SCHEME,
    },
    { name: "Bearer with no token", attempt: () => ({ authorization: "Bearer", secrets: [] }), expected: MALFORMED },
    {
      name: "Bearer with only spaces",
      attempt: () => ({ authorization: "Bearer    ", secrets: [] }),
      expected: MALFORMED,
    },
    {
      name: "two tokens in one header",
      attempt: placed((t) => ({ authorization: `Bearer ${t} ${t}` })),
      expected: MALFORMED,
    },
    {
      name: "two Bearer credentials, comma-separated",
      attempt: placed((t) => ({ authorization: `Bearer ${t}, Bearer ${t}` })),
      expected: MALFORMED,
    },
    {
      name: "two Authorization header lines",
      attempt: placed((t) => ({ authorization: [`Bearer ${t}`, `Bearer ${t}`] })),
      expected: MALFORMED,
    },
    {
      name: "another scheme (Token)",
      attempt: placed((t) => ({ authorization: `Token ${t}` })),
      expected: OTHER_SCHEME,
    },
    {
      name: "scheme without separator (Bearer<token>)",
      attempt: placed((t) => ({ authorization: `Bearer${t}` })),
      expected: OTHER_SCHEME,
    },
    {
      name: "token followed by a parameter",
      attempt: placed((t) => ({ authorization: `Bearer ${t}; realm=x` })),
      expected: MALFORMED,
    },
    // Tokens come from the header only: a query token is refused even next to a valid header.
    {
      name: "token in the query string, no header",
      attempt: placed((t) => ({ query: `?access_token=${t}` })),
      expected: IN_QUERY,
    },
    {
      name: "token in the query string and a valid header",
      attempt: placed((t) => ({ query: `?access_token=${t}`, authorization: `Bearer ${t}` })),
      expected: IN_QUERY,
    },
    {
      name: "empty access_token parameter and a valid header",
      attempt: placed((t) => ({ query: "?access_token=", authorization: `Bearer ${t}` })),
      expected: IN_QUERY,
    },
    // RFC 9110 §11.1: auth schemes are case-insensitive, so these are the same credential.
    {
      name: "control: lowercase bearer",
      attempt: placed((t) => ({ authorization: `bearer ${t}` })),
      expected: ACCEPTED,
    },
    {
      name: "control: uppercase BEARER",
      attempt: placed((t) => ({ authorization: `BEARER ${t}` })),
      expected: ACCEPTED,
    },
    {
      name: "control: several spaces after the scheme",
      attempt: placed((t) => ({ authorization: `Bearer   ${t}` })),
      expected: ACCEPTED,
    },
  ])("$name", runRow);
});

describe("unsigned tokens (alg none)", () => {
  const unsigned = async (alg: string, signature = "") => {
    const { p, s } = partsOf(await mint());
    return bearer(`${segment({ alg, kid: "k1", typ: "at+jwt" })}.${p}.${signature === "keep" ? s : signature}`);
  };
  it.each<Row>([
    { name: "alg none, empty signature", attempt: () => unsigned("none"), expected: refused("algorithm_not_allowed") },
    { name: "alg NONE", attempt: () => unsigned("NONE"), expected: refused("algorithm_not_allowed") },
    { name: "alg None", attempt: () => unsigned("None"), expected: refused("algorithm_not_allowed") },
    { name: "alg nOnE", attempt: () => unsigned("nOnE"), expected: refused("algorithm_not_allowed") },
    {
      name: "alg none keeping a real signature",
      attempt: () => unsigned("none", "keep"),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "alg header absent",
      attempt: async () => {
        const { p } = partsOf(await mint());
        return bearer(`${segment({ kid: "k1" })}.${p}.`);
      },
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "alg as an array",
      attempt: async () => {
        const { p, s } = partsOf(await mint());
        return bearer(`${segment({ alg: ["ES256"], kid: "k1" })}.${p}.${s}`);
      },
      expected: refused("algorithm_not_allowed"),
    },
  ])("$name", runRow);
});

describe("symmetric algorithms, including HMAC keyed with our own public key", () => {
  const hmac =
    (alg: string, secret: () => Uint8Array | Promise<Uint8Array>, key = () => trusted) =>
    async () =>
      bearer(await mintToken({ key: key(), alg, signingKey: await secret() }));
  const random = () => crypto.getRandomValues(new Uint8Array(64));
  it.each<Row>([
    { name: "HS256 with a random secret", attempt: hmac("HS256", random), expected: refused("algorithm_not_allowed") },
    { name: "HS384 with a random secret", attempt: hmac("HS384", random), expected: refused("algorithm_not_allowed") },
    { name: "HS512 with a random secret", attempt: hmac("HS512", random), expected: refused("algorithm_not_allowed") },
    {
      name: "HS256 keyed with the public JWK as JSON",
      attempt: hmac("HS256", () => bytes(JSON.stringify(trusted.publicJwk))),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the raw x coordinate",
      attempt: hmac("HS256", () => fromBase64url(trusted.publicJwk.x!)),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the base64url x text",
      attempt: hmac("HS256", () => bytes(trusted.publicJwk.x!)),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the raw EC point",
      attempt: hmac(
        "HS256",
        async () => new Uint8Array((await crypto.subtle.exportKey("raw", trusted.publicKey)) as ArrayBuffer),
      ),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the SPKI PEM",
      attempt: hmac("HS256", async () => bytes(await exportSPKI(trusted.publicKey))),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS512 keyed with the SPKI PEM",
      attempt: hmac("HS512", async () => bytes(await exportSPKI(trusted.publicKey))),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the RSA modulus n (RSA key trusted)",
      attempt: async () => ({
        ...(await hmac(
          "HS256",
          () => fromBase64url(rsa.publicJwk.n!),
          () => rsa,
        )()),
        env: multiEnv,
      }),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "HS256 keyed with the RSA SPKI PEM (RSA key trusted)",
      attempt: async () => ({
        ...(await hmac(
          "HS256",
          async () => bytes(await exportSPKI(rsa.publicKey)),
          () => rsa,
        )()),
        env: multiEnv,
      }),
      expected: refused("algorithm_not_allowed"),
    },
  ])("$name", runRow);
});

describe("wrong key, unknown key, no key id", () => {
  it.each<Row>([
    {
      name: "another key pair with the trusted kid",
      attempt: async () => bearer(await mintToken({ key: impostor })),
      expected: refused("bad_signature"),
    },
    {
      name: "unknown kid",
      attempt: async () => bearer(await mintToken({ key: foreign })),
      expected: refused("unknown_key"),
    },
    {
      name: "trusted key, kid that only differs by a space",
      attempt: async () => bearer(await mint({ header: { kid: "k1 " } })),
      expected: refused("unknown_key"),
    },
    {
      name: "trusted key, kid as a number",
      attempt: async () => bearer(await mint({ header: { kid: 1 } })),
      expected: refused("unknown_key"),
    },
    // jose selects the only key whose kty/alg fit when the header names none; the signature still decides.
    {
      name: "control: trusted key without kid (single candidate key)",
      attempt: async () => bearer(await mint({ header: { kid: undefined } })),
      expected: ACCEPTED,
    },
    {
      name: "foreign key without kid",
      attempt: async () => bearer(await mintToken({ key: foreign, header: { kid: undefined } })),
      expected: refused("bad_signature"),
    },
    {
      name: "RS256 token naming the ES256 kid",
      attempt: async () => bearer(await mintToken({ key: rsa, header: { kid: "k1" } }), { env: multiEnv }),
      expected: refused("unknown_key"),
    },
    {
      name: "ES384 token naming the ES256 kid",
      attempt: async () => bearer(await mintToken({ key: es384, header: { kid: "k1" } }), { env: multiEnv }),
      expected: refused("unknown_key"),
    },
    {
      name: "PS256 token naming the RS256 kid",
      attempt: async () => bearer(await mintToken({ key: pss, header: { kid: "rsa-1" } }), { env: multiEnv }),
      expected: refused("unknown_key"),
    },
    {
      name: "EdDSA token naming the ES256 kid",
      attempt: async () => bearer(await mintToken({ key: eddsa, header: { kid: "k1" } }), { env: multiEnv }),
      expected: refused("unknown_key"),
    },
  ])("$name", runRow);
});

describe("headers that let the token choose its own key, and critical extensions", () => {
  const attackerUrl = "https://attacker.example/jwks.json";
  const certificate = "MIIBszCCAVmgAwIBAgIUBogus0certificate0chain0AAAAAAAA";
  it.each<Row>([
    {
      name: "jwk: the attacker's own public key, signed by it",
      attempt: async () => bearer(await mintToken({ key: impostor, header: { jwk: impostor.publicJwk } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "jwk: without kid, signed by the embedded key",
      attempt: async () =>
        bearer(await mintToken({ key: foreign, header: { kid: undefined, jwk: foreign.publicJwk } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "jwk: the trusted public key, trusted signature (refused on principle)",
      attempt: async () => bearer(await mint({ header: { jwk: trusted.publicJwk } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "jku: an attacker URL (no fetch happens)",
      attempt: async () => bearer(await mintToken({ key: impostor, header: { jku: attackerUrl } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "x5u: an attacker URL (no fetch happens)",
      attempt: async () =>
        bearer(await mintToken({ key: impostor, header: { x5u: "https://attacker.example/cert.pem" } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "x5c: an attacker certificate chain",
      attempt: async () => bearer(await mintToken({ key: impostor, header: { x5c: [certificate] } })),
      expected: refused("hostile_key_header"),
    },
    {
      name: "crit [exp], trusted signature",
      attempt: async () =>
        bearer(
          await signEs256({ alg: "ES256", kid: "k1", typ: "at+jwt", crit: ["exp"] }, segment(await defaultClaims())),
        ),
      expected: refused("unsupported_critical_header"),
    },
    {
      name: "crit [b64] with b64 false, trusted signature",
      attempt: async () =>
        bearer(await signEs256({ alg: "ES256", kid: "k1", b64: false, crit: ["b64"] }, segment(await defaultClaims()))),
      expected: refused("unsupported_critical_header"),
    },
    {
      name: "crit [b64] with b64 false, produced by jose",
      attempt: async () => {
        const jws = await new FlattenedSign(bytes(segment(await defaultClaims())))
          .setProtectedHeader({ alg: "ES256", kid: "k1", b64: false, crit: ["b64"] })
          .sign(trusted.privateKey);
        return bearer(`${jws.protected}.${jws.payload}.${jws.signature}`);
      },
      expected: refused("unsupported_critical_header"),
    },
    {
      name: "crit empty array, trusted signature",
      attempt: async () =>
        bearer(await signEs256({ alg: "ES256", kid: "k1", crit: [] }, segment(await defaultClaims()))),
      expected: refused("unsupported_critical_header"),
    },
    {
      name: "control: the same hand signer without crit",
      attempt: async () =>
        bearer(await signEs256({ alg: "ES256", kid: "k1", typ: "at+jwt" }, segment(await defaultClaims()))),
      expected: ACCEPTED,
    },
  ])("$name", runRow);
});

describe("time: exp, nbf and the 30 s clock tolerance", () => {
  it.each<Row>([
    {
      name: "expired 45 s ago (beyond tolerance)",
      attempt: async () => bearer(await mint({ claims: { exp: now() - 45 } })),
      expected: refused("expired"),
    },
    {
      name: "expired an hour ago",
      attempt: async () => bearer(await mint({ claims: { exp: now() - 3600, iat: now() - 7200 } })),
      expected: refused("expired"),
    },
    {
      name: "control: expired 15 s ago (within tolerance)",
      attempt: async () => bearer(await mint({ claims: { exp: now() - 15 } })),
      expected: ACCEPTED,
    },
    {
      name: "nbf 120 s in the future",
      attempt: async () => bearer(await mint({ claims: { nbf: now() + 120 } })),
      expected: refused("not_yet_valid"),
    },
    {
      name: "control: nbf 15 s in the future (within tolerance)",
      attempt: async () => bearer(await mint({ claims: { nbf: now() + 15 } })),
      expected: ACCEPTED,
    },
    { name: "no exp", attempt: async () => bearer(await mint({ omit: ["exp"] })), expected: refused("missing_expiry") },
    {
      name: "exp as a numeric string",
      attempt: async () => bearer(await mint({ claims: oddClaims({ exp: String(now() + 300) }) })),
      expected: refused("invalid_claims"),
    },
    {
      name: "exp null",
      attempt: async () => bearer(await mint({ claims: oddClaims({ exp: null }) })),
      expected: refused("invalid_claims"),
    },
    {
      name: "nbf as a string",
      attempt: async () => bearer(await mint({ claims: oddClaims({ nbf: String(now() - 10) }) })),
      expected: refused("invalid_claims"),
    },
    {
      name: "iat as a string",
      attempt: async () => bearer(await mint({ claims: oddClaims({ iat: "yesterday" }) })),
      expected: refused("invalid_claims"),
    },
  ])("$name", runRow);
});

describe("issuer and audience (RFC 8707: the token must be minted for this server)", () => {
  it.each<Row>([
    {
      name: "another issuer",
      attempt: async () => bearer(await mint({ claims: { iss: "https://evil.example.test/" } })),
      expected: refused("wrong_issuer"),
    },
    {
      name: "issuer without its trailing slash",
      attempt: async () => bearer(await mint({ claims: { iss: ISSUER.replace(/\/$/, "") } })),
      expected: refused("wrong_issuer"),
    },
    {
      name: "issuer with a doubled trailing slash",
      attempt: async () => bearer(await mint({ claims: { iss: `${ISSUER}/` } })),
      expected: refused("wrong_issuer"),
    },
    {
      name: "issuer as an array",
      attempt: async () => bearer(await mint({ claims: oddClaims({ iss: [ISSUER] }) })),
      expected: refused("wrong_issuer"),
    },
    {
      name: "no issuer",
      attempt: async () => bearer(await mint({ omit: ["iss"] })),
      expected: refused("wrong_issuer"),
    },
    {
      name: "another resource",
      attempt: async () => bearer(await mint({ claims: { aud: "https://other.example.test/mcp" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: trailing slash",
      attempt: async () => bearer(await mint({ claims: { aud: `${AUDIENCE}/` } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: path case",
      attempt: async () => bearer(await mint({ claims: { aud: "https://files.example.test/MCP" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: host suffix",
      attempt: async () => bearer(await mint({ claims: { aud: "https://files.example.test.evil.com/mcp" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: ours in the query",
      attempt: async () => bearer(await mint({ claims: { aud: `https://evil.com/?${AUDIENCE}` } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: leading space",
      attempt: async () => bearer(await mint({ claims: { aud: ` ${AUDIENCE}` } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "look-alike: origin only",
      attempt: async () => bearer(await mint({ claims: { aud: "https://files.example.test" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "the client id as audience",
      attempt: async () => bearer(await mint({ claims: { aud: "test-agent" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "audience array without ours",
      attempt: async () => bearer(await mint({ claims: { aud: ["https://a.example.test/mcp", `${AUDIENCE}/`] } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "empty audience",
      attempt: async () => bearer(await mint({ claims: { aud: "" } })),
      expected: refused("wrong_audience"),
    },
    {
      name: "no audience",
      attempt: async () => bearer(await mint({ omit: ["aud"] })),
      expected: refused("wrong_audience"),
    },
    {
      name: "control: audience array with ours among others",
      attempt: async () => bearer(await mint({ claims: { aud: ["https://a.example.test/api", AUDIENCE] } })),
      expected: ACCEPTED,
    },
  ])("$name", runRow);
});

describe("claims: subject, tenant and scopes", () => {
  const org = (orgId: unknown, tenant?: string) => async () =>
    bearer(await mint({ claims: oddClaims(orgId === undefined ? {} : { org_id: orgId }) }), {
      env: orgEnv,
      ...(tenant ? { tenant } : {}),
    });
  it.each<Row>([
    { name: "no sub", attempt: async () => bearer(await mint({ omit: ["sub"] })), expected: refused("invalid_claims") },
    {
      name: "empty sub",
      attempt: async () => bearer(await mint({ claims: { sub: "" } })),
      expected: refused("invalid_claims"),
    },
    {
      name: "sub as a number",
      attempt: async () => bearer(await mint({ claims: oddClaims({ sub: 42 }) })),
      expected: refused("invalid_claims"),
    },
    {
      name: "scope as an array (RFC 9068 says a string)",
      attempt: async () => bearer(await mint({ claims: oddClaims({ scope: ["files:write"] }) })),
      expected: refused("invalid_claims"),
    },
    { name: "tenant claim org_id missing", attempt: org(undefined), expected: refused("missing_tenant") },
    { name: "tenant claim empty string", attempt: org(""), expected: refused("missing_tenant") },
    { name: "tenant claim a number", attempt: org(42), expected: refused("invalid_tenant") },
    { name: "tenant claim an array", attempt: org(["acme"]), expected: refused("invalid_tenant") },
    { name: "tenant claim an object", attempt: org({ id: "acme" }), expected: refused("invalid_tenant") },
    { name: "tenant claim null", attempt: org(null), expected: refused("missing_tenant") },
    { name: "tenant claim of 129 bytes", attempt: org("t".repeat(129)), expected: refused("invalid_tenant") },
    {
      name: "tenant claim of 65 characters but 130 UTF-8 bytes",
      attempt: org("é".repeat(65)),
      expected: refused("invalid_tenant"),
    },
    { name: "tenant claim with a lone surrogate", attempt: org("acme\ud800"), expected: refused("invalid_tenant") },
    {
      name: "control: tenant claim of exactly 128 bytes",
      attempt: org("t".repeat(128), "t".repeat(128)),
      expected: ACCEPTED,
    },
    { name: "control: tenant from org_id", attempt: org("acme", "acme"), expected: ACCEPTED },
    {
      name: "control: scopes from an scp array",
      attempt: async () => bearer(await mint({ omit: ["scope"], claims: { scp: ["files:read", "files:write"] } })),
      expected: ACCEPTED,
    },
    {
      name: "control: scopes from an scp string",
      attempt: async () => bearer(await mint({ omit: ["scope"], claims: { scp: "files:read files:write" } })),
      expected: ACCEPTED,
    },
    {
      name: "control: scopes from the scope string",
      attempt: async () => bearer(await mint({ claims: { scope: "files:read files:write" } })),
      expected: ACCEPTED,
    },
    {
      name: "read-only scope → 403 step-up",
      attempt: async () => bearer(await mint({ claims: { scope: "files:read" } })),
      expected: { status: 403, scope: "files:write", challenged: "files:read files:write" },
    },
    {
      name: "no scope at all → 403 step-up",
      attempt: async () => bearer(await mint({ omit: ["scope"] })),
      expected: { status: 403, scope: "files:write" },
    },
    {
      name: "comma-separated scopes are one unknown scope",
      attempt: async () => bearer(await mint({ claims: { scope: "files:read,files:write" } })),
      expected: { status: 403, scope: "files:write" },
    },
    {
      name: "scope names match exactly (files:writer)",
      attempt: async () => bearer(await mint({ claims: { scope: "files:writer" } })),
      expected: { status: 403, scope: "files:write" },
    },
    {
      name: "scope names match case-sensitively (FILES:WRITE)",
      attempt: async () => bearer(await mint({ claims: { scope: "FILES:WRITE" } })),
      expected: { status: 403, scope: "files:write" },
    },
  ])("$name", runRow);
});

describe("tampered and malformed tokens", () => {
  /** The payload with one claim changed, still a well-formed JSON object. */
  const tamperedClaim = (payload: string) => {
    const claims = decodeJwt(`e30.${payload}.`);
    return segment({ ...claims, scope: `${String(claims.scope)} ` });
  };
  it.each<Row>([
    {
      name: "one payload claim changed",
      attempt: async () => {
        const { h, p, s } = partsOf(await mint());
        return bearer(`${h}.${tamperedClaim(p)}.${s}`);
      },
      expected: refused("bad_signature"),
    },
    {
      // Refused as malformed before any key is looked up (so it never costs a key-set fetch).
      name: "payload changed into something that is not JSON",
      attempt: async () => {
        const { h, s } = partsOf(await mint());
        return bearer(`${h}.${segment("not json")}.${s}`);
      },
      expected: refused("malformed_token"),
    },
    {
      name: "signature that is not base64url",
      attempt: async () => {
        const { h, p } = partsOf(await mint());
        return bearer(`${h}.${p}.a+b/c`);
      },
      expected: refused("malformed_token"),
    },
    {
      name: "payload swapped in from another valid token",
      attempt: async () => {
        const { h, s } = partsOf(await mint({ claims: { scope: "files:read" } }));
        const { p } = partsOf(await mint({ claims: { sub: "mallory" } }));
        return bearer(`${h}.${p}.${s}`, { tenant: "mallory" });
      },
      expected: refused("bad_signature"),
    },
    {
      name: "payload re-encoded with a raised scope",
      attempt: async () => {
        const { h, s, payload } = partsOf(await mint({ claims: { scope: "files:read" } }));
        return bearer(`${h}.${segment({ ...payload, scope: "files:read files:write" })}.${s}`);
      },
      expected: refused("bad_signature"),
    },
    {
      name: "signature truncated",
      attempt: async () => bearer((await mint()).slice(0, -10)),
      expected: refused("bad_signature"),
    },
    {
      name: "signature removed",
      attempt: async () => {
        const { h, p } = partsOf(await mint());
        return bearer(`${h}.${p}.`);
      },
      expected: refused("bad_signature"),
    },
    {
      name: "junk appended to the signature",
      attempt: async () => bearer(`${await mint()}AAAA`),
      expected: refused("bad_signature"),
    },
    {
      name: "a fourth segment appended",
      attempt: async () => bearer(`${await mint()}.junk`),
      expected: refused("malformed_token"),
    },
    {
      name: "20 KB token with a valid signature",
      attempt: async () => bearer(await mint({ claims: { padding: "x".repeat(20 * 1024) } })),
      expected: refused("malformed_token"),
    },
    { name: "not a JWT", attempt: () => bearer("not-a-jwt-at-all"), expected: refused("malformed_token") },
    { name: "three segments of garbage", attempt: () => bearer("abc.def.ghi"), expected: refused("malformed_token") },
    { name: "only dots", attempt: () => bearer("....."), expected: refused("malformed_token") },
    {
      name: "characters outside the b64token alphabet",
      attempt: () => ({ authorization: "Bearer eyJ<script>.e30.%%%", secrets: [] }),
      expected: refused("malformed_authorization_header", "invalid_request"),
    },
    {
      name: "empty JSON objects as header and payload",
      attempt: () => bearer(`${segment({})}.${segment({})}.${segment("sig")}`),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "JWE-shaped (5 parts), key-management alg",
      attempt: () =>
        bearer(
          [
            segment({ alg: "RSA-OAEP-256", enc: "A256GCM", kid: "k1" }),
            segment("cek"),
            segment("iv"),
            segment("ciphertext"),
            segment("tag"),
          ].join("."),
        ),
      expected: refused("algorithm_not_allowed"),
    },
    {
      name: "JWE-shaped (5 parts) claiming ES256",
      attempt: () =>
        bearer(
          [
            segment({ alg: "ES256", kid: "k1" }),
            segment("cek"),
            segment("iv"),
            segment("ciphertext"),
            segment("tag"),
          ].join("."),
        ),
      expected: refused("malformed_token"),
    },
    {
      name: "validly signed payload that is not JSON",
      attempt: async () =>
        bearer(
          await new CompactSign(bytes("hello"))
            .setProtectedHeader({ alg: "ES256", kid: "k1" })
            .sign(trusted.privateKey),
        ),
      expected: refused("malformed_token"),
    },
    {
      name: "validly signed payload that is a JSON array",
      attempt: async () => bearer(await signEs256({ alg: "ES256", kid: "k1" }, segment([await defaultClaims()]))),
      expected: refused("malformed_token"),
    },
  ])("$name", runRow);
});

describe("positive controls: every allowed algorithm family verifies from the configured key set", () => {
  const signedBy = (key: () => TestKey) => async () => bearer(await mintToken({ key: key() }), { env: multiEnv });
  it.each<Row>([
    { name: "ES256", attempt: signedBy(() => trusted), expected: ACCEPTED },
    { name: "ES384", attempt: signedBy(() => es384), expected: ACCEPTED },
    { name: "RS256", attempt: signedBy(() => rsa), expected: ACCEPTED },
    { name: "PS256", attempt: signedBy(() => pss), expected: ACCEPTED },
    { name: "EdDSA (Ed25519)", attempt: signedBy(() => eddsa), expected: ACCEPTED },
    { name: "Ed25519 (fully specified alg, RFC 9864)", attempt: signedBy(() => ed25519), expected: ACCEPTED },
  ])("$name", runRow);
});
