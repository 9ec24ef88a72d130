/**
 * The dev authorization server (scripts/dev-auth: oidc-provider, started by the global setup) against
 * the real Worker: RFC 8414 metadata, dynamic registration, authorization code + PKCE with `login_hint`
 * or the sign-in page, RFC 8707 `resource` at the token endpoint, and the resulting JWT accepted by the
 * Worker, which fetches the server's JWKS over loopback. A Worker configured for another audience (as
 * on another dev port) refuses the token and says why.
 */
import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Env } from "../../src/env";
import { createTestKey } from "../support/keys";
import { AUDIENCE } from "../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../support/worker";

const ISSUER = inject("devAuthIssuer");
const REDIRECT_URI = "http://127.0.0.1:8819/callback";

interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  jwks_uri: string;
  [name: string]: unknown;
}

let metadata: Metadata;
let workerEnv: Env;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

async function register(body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(metadata.registration_endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "integration test",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
      ...body,
    }),
  });
}

async function registeredClientId(body: Record<string, unknown> = {}): Promise<string> {
  const response = await register(body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { client_id: string }).client_id;
}

function authorizationUrl(clientId: string, challenge: string, params: Record<string, string | undefined>): URL {
  const url = new URL(metadata.authorization_endpoint);
  const all: Record<string, string | undefined> = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: "files:read files:write",
    state: crypto.randomUUID(),
    code_challenge: challenge,
    code_challenge_method: "S256",
    resource: AUDIENCE,
    ...params,
  };
  for (const [name, value] of Object.entries(all)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

/** One GET without cookies, as a script would: the login_hint shortcut answers with the final redirect. */
async function authorizeWithHint(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status, await response.clone().text()).toBe(303);
  return new URL(response.headers.get("location") ?? "");
}

async function exchange(clientId: string, code: string, verifier: string, resource: string | undefined = AUDIENCE) {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  if (resource) form.set("resource", resource);
  return fetch(metadata.token_endpoint, { method: "POST", body: form });
}

async function accessTokenFor(subject: string, scope = "files:read files:write"): Promise<string> {
  const clientId = await registeredClientId();
  const { verifier, challenge } = await pkce();
  const back = await authorizeWithHint(authorizationUrl(clientId, challenge, { login_hint: subject, scope }));
  const response = await exchange(clientId, back.searchParams.get("code") ?? "", verifier);
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  const response = await fetch(`${ISSUER}/.well-known/oauth-authorization-server`);
  expect(response.status).toBe(200);
  metadata = (await response.json()) as Metadata;
  // The Worker as `npm run dev` configures it, but with the remote JWKS path (http loopback is allowed
  // with ENVIRONMENT=development).
  workerEnv = makeEnv(await createTestKey("unused"), {
    OAUTH_ISSUER: ISSUER,
    OAUTH_JWKS: undefined,
    OAUTH_JWKS_URL: `${ISSUER}/jwks`,
  });
});

describe("metadata (RFC 8414)", () => {
  it("advertises what MCP clients need", () => {
    expect(metadata).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      registration_endpoint: `${ISSUER}/reg`,
      jwks_uri: `${ISSUER}/jwks`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(["files:read", "files:write", "files:delete"]));
    expect(metadata.token_endpoint_auth_methods_supported).toContain("none");
  });

  it("is what the Worker's protected resource metadata points at", async () => {
    const prm = await callWorker(workerEnv, "/.well-known/oauth-protected-resource/mcp");
    expect(((await prm.json()) as { authorization_servers: string[] }).authorization_servers).toEqual([ISSUER]);
  });

  it("publishes public keys only", async () => {
    const jwks = (await (await fetch(metadata.jwks_uri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty("d");
  });
});

describe("dynamic client registration (RFC 7591)", () => {
  it("registers a public client and widens a narrow scope so it can step up later", async () => {
    const response = await register({ scope: "files:read files:write" });
    expect(response.status).toBe(201);
    const client = (await response.json()) as Record<string, unknown>;
    expect(client.client_id).toEqual(expect.any(String));
    expect(client).not.toHaveProperty("client_secret");
    expect(client.redirect_uris).toEqual([REDIRECT_URI]);
    expect(String(client.scope).split(" ")).toEqual(
      expect.arrayContaining(["files:read", "files:write", "files:delete"]),
    );
  });

  it.each([
    ["a javascript: redirect URI", { redirect_uris: ["javascript:alert(1)"] }],
    ["an unknown scope", { scope: "files:read root" }],
    ["no redirect URI", { redirect_uris: [] }],
  ])("refuses %s with an RFC 7591 error", async (_name, body) => {
    const response = await register(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
  });
});

describe("authorization with login_hint, token exchange with resource", () => {
  it("issues a JWT for the MCP URL that the Worker accepts", async () => {
    const clientId = await registeredClientId();
    const { verifier, challenge } = await pkce();
    const url = authorizationUrl(clientId, challenge, { login_hint: "hinted" });
    const back = await authorizeWithHint(url);
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    expect(back.searchParams.get("state")).toBe(url.searchParams.get("state"));
    expect(back.searchParams.get("iss")).toBe(ISSUER);
    const code = back.searchParams.get("code") ?? "";
    expect(code).not.toBe("");

    const response = await exchange(clientId, code, verifier);
    expect(response.status).toBe(200);
    const tokens = (await response.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: "Bearer", scope: "files:read files:write" });
    expect(tokens).not.toHaveProperty("refresh_token");
    const token = String(tokens.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: "hinted", client_id: clientId });
    expect(claims.scope).toBe("files:read files:write");
    expect(claims.auth_time).toEqual(expect.any(Number));
    expect(claims).not.toHaveProperty("roles");

    const write = await postMcp(workerEnv, toolCall("write_file", { path: "from-oauth.txt", content: "via the AS" }), {
      authorization: `Bearer ${token}`,
    });
    expect(write.status).toBe(200);
    expect(await (await env.FILES.get("files/hinted/from-oauth.txt"))?.text()).toBe("via the AS");
    // The code is single-use.
    expect((await exchange(clientId, code, verifier)).status).toBe(400);
  });

  it("grants only the requested scopes: a files:read token cannot write", async () => {
    const token = await accessTokenFor("reader", "files:read");
    expect(decodeJwt(token).scope).toBe("files:read");
    const write = await postMcp(workerEnv, toolCall("write_file", { path: "nope.txt", content: "x" }), {
      authorization: `Bearer ${token}`,
    });
    expect(write.status).toBe(403);
    expect(write.headers.get("www-authenticate")).toContain('scope="files:read files:write"');
    expect(await env.FILES.head("files/reader/nope.txt")).toBeNull();
  });

  it("refuses a token exchange with the wrong PKCE verifier", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const back = await authorizeWithHint(authorizationUrl(clientId, challenge, { login_hint: "pkce" }));
    const response = await exchange(clientId, back.searchParams.get("code") ?? "", (await pkce()).verifier);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("requires PKCE (OAuth 2.1): no code_challenge → error back at the client", async () => {
    const clientId = await registeredClientId();
    const url = authorizationUrl(clientId, "", { login_hint: "pkce", code_challenge: undefined });
    url.searchParams.delete("code_challenge_method");
    const back = await authorizeWithHint(url);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("requires PKCE from confidential clients too", async () => {
    const response = await register({ token_endpoint_auth_method: "client_secret_basic" });
    const { client_id: clientId } = (await response.json()) as { client_id: string };
    const url = authorizationUrl(clientId, "", { login_hint: "pkce", code_challenge: undefined });
    url.searchParams.delete("code_challenge_method");
    const back = await authorizeWithHint(url);
    expect(back.searchParams.get("error")).toBe("invalid_request");
    expect(back.searchParams.get("code")).toBeNull();
  });

  it("issues tokens only for this MCP server: another resource → invalid_target", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const back = await authorizeWithHint(
      authorizationUrl(clientId, challenge, { login_hint: "x", resource: "https://elsewhere.example/mcp" }),
    );
    expect(back.searchParams.get("error")).toBe("invalid_target");
  });

  it("a login_hint that cannot be a subject is refused with plain JSON", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const response = await fetch(authorizationUrl(clientId, challenge, { login_hint: "../etc" }), {
      redirect: "manual",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_request" });
  });
});

describe("the sign-in page", () => {
  /** A browser's cookie jar over manual redirects. */
  function createBrowser() {
    const jar = new Map<string, string>();
    return async (url: string | URL, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
      const response = await fetch(url, { ...init, headers, redirect: "manual" });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ""] = line.split(";");
        const at = pair.indexOf("=");
        jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
      }
      return response;
    };
  }

  it("lets a person pick subject, roles and scopes; the token carries exactly those", async () => {
    const clientId = await registeredClientId({ client_name: '<img src=x onerror="alert(1)">' });
    const { verifier, challenge } = await pkce();
    const browse = createBrowser();
    const start = await browse(authorizationUrl(clientId, challenge, { scope: "files:read files:write" }));
    expect(start.status).toBe(303);
    const pageUrl = new URL(start.headers.get("location") ?? "", ISSUER);
    const page = await browse(pageUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('value="files:read" checked');
    expect(html).toContain('value="files:write" checked');
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x");

    const form = new URLSearchParams([
      ["subject", "bob"],
      ["roles", "editor"],
      ["roles", "auditor extra"],
      ["scope", "files:read"],
      ["decision", "approve"],
    ]);
    let response = await browse(pageUrl, { method: "POST", body: form });
    for (let hops = 0; response.status === 303 && hops < 5; hops++) {
      const next = new URL(response.headers.get("location") ?? "", ISSUER);
      if (next.origin !== ISSUER) break;
      response = await browse(next);
    }
    const back = new URL(response.headers.get("location") ?? "");
    expect(back.origin + back.pathname).toBe(REDIRECT_URI);
    const tokens = (await (await exchange(clientId, back.searchParams.get("code") ?? "", verifier)).json()) as {
      access_token: string;
    };
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ sub: "bob", scope: "files:read", roles: ["editor", "auditor", "extra"] });
  });

  it("refuses a subject that cannot name a sandbox, and shows the page again", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const browse = createBrowser();
    const start = await browse(authorizationUrl(clientId, challenge, {}));
    const pageUrl = new URL(start.headers.get("location") ?? "", ISSUER);
    await browse(pageUrl);
    const form = new URLSearchParams({ subject: "../other-tenant", scope: "files:read", decision: "approve" });
    const response = await browse(pageUrl, { method: "POST", body: form });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain("The subject must be");
    expect(html).toContain(`action="/interaction/${pageUrl.pathname.split("/").pop()}"`);
  });

  it("deny sends access_denied back to the client and issues nothing", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const browse = createBrowser();
    const start = await browse(authorizationUrl(clientId, challenge, {}));
    const pageUrl = new URL(start.headers.get("location") ?? "", ISSUER);
    await browse(pageUrl);
    let response = await browse(pageUrl, { method: "POST", body: new URLSearchParams({ decision: "deny" }) });
    for (let hops = 0; response.status === 303 && hops < 5; hops++) {
      const next = new URL(response.headers.get("location") ?? "", ISSUER);
      if (next.origin !== ISSUER) break;
      response = await browse(next);
    }
    const back = new URL(response.headers.get("location") ?? "");
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("code")).toBeNull();
  });
});

describe("a Worker for another audience (another dev port)", () => {
  it("refuses the token with an error_description naming its own audience", async () => {
    const token = await accessTokenFor("wanderer");
    const otherPort = { ...workerEnv, OAUTH_AUDIENCE: "http://127.0.0.1:8799/mcp" } as Env;
    const response = await postMcp(otherPort, toolCall("write_file", { path: "lost.txt", content: "x" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(
      'error_description="The access token is for another audience; this server accepts only aud http://127.0.0.1:8799/mcp"',
    );
    expect(challenge).not.toContain(AUDIENCE);
    expect(await env.FILES.head("files/wanderer/lost.txt")).toBeNull();
  });
});
