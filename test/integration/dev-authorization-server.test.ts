/**
 * The dev authorization server (scripts/dev-auth: oidc-provider, started by the global setup) against
 * the real Worker: RFC 8414 metadata, dynamic registration, authorization code + PKCE with `login_hint`
 * or the sign-in page, RFC 8707 `resource` at the token endpoint, and the resulting JWT accepted by the
 * Worker, which fetches the server's JWKS over loopback; CORS for browser clients on the endpoints they
 * fetch, and the metadata offering no refresh tokens. A Worker configured for another audience (as on
 * another dev port) refuses the token and says why. The sign-in page: dev-sign-in.test.ts.
 */
import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import {
  authorizationUrl,
  exchange,
  fetchMetadata,
  ISSUER,
  type Metadata,
  pkce,
  REDIRECT_URI,
  register,
  registeredClientId,
} from "../support/dev-auth";
import { createTestKey } from "../support/keys";
import { AUDIENCE } from "../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../support/worker";

let metadata: Metadata;
let workerEnv: Env;

/** One GET without cookies, as a script would: the login_hint shortcut answers with the final redirect. */
async function authorizeWithHint(url: URL): Promise<URL> {
  const response = await fetch(url, { redirect: "manual" });
  expect(response.status, await response.clone().text()).toBe(303);
  return new URL(response.headers.get("location") ?? "");
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
  metadata = await fetchMetadata();
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

describe("no refresh tokens, and the metadata says so", () => {
  it("offers only the authorization code grant", () => {
    expect(metadata.grant_types_supported).toEqual(["authorization_code"]);
  });

  it("still registers a client that lists refresh_token (as the Inspector does), and issues none", async () => {
    const clientId = await registeredClientId({ grant_types: ["authorization_code", "refresh_token"] });
    const { verifier, challenge } = await pkce();
    const back = await authorizeWithHint(authorizationUrl(clientId, challenge, { login_hint: "no-refresh" }));
    const response = await exchange(clientId, back.searchParams.get("code") ?? "", verifier);
    expect(response.status).toBe(200);
    expect(await response.json()).not.toHaveProperty("refresh_token");
  });
});

describe("CORS for browser clients (the origins npm run dev allows)", () => {
  const ALLOWED = "https://app.example.test";
  const preflight = (path: string, origin: string, method: string) =>
    fetch(`${ISSUER}${path}`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": method,
        "access-control-request-headers": "content-type,mcp-protocol-version",
      },
    });

  it.each([
    ["/.well-known/oauth-authorization-server", "GET"],
    ["/.well-known/openid-configuration", "GET"],
    ["/jwks", "GET"],
    ["/reg", "POST"],
    ["/token", "POST"],
  ])("answers the preflight for %s (%s) with the MCP headers", async (path, method) => {
    const response = await preflight(path, ALLOWED, method);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("access-control-allow-methods")).toContain(method);
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("mcp-protocol-version");
    expect(allowed).toContain("content-type");
    expect(response.headers.get("vary")).toContain("Origin");
  });

  it("echoes the allowed origin on metadata, registration and token answers (never *)", async () => {
    const meta = await fetch(`${ISSUER}/.well-known/oauth-authorization-server`, {
      headers: { origin: ALLOWED, "mcp-protocol-version": "2025-11-25" },
    });
    expect(meta.status).toBe(200);
    expect(meta.headers.get("access-control-allow-origin")).toBe(ALLOWED);

    const registration = await fetch(`${ISSUER}/reg`, {
      method: "POST",
      headers: { origin: ALLOWED, "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: "none" }),
    });
    expect(registration.status).toBe(201);
    expect(registration.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const { client_id: clientId } = (await registration.json()) as { client_id: string };

    const { verifier, challenge } = await pkce();
    const back = await authorizeWithHint(authorizationUrl(clientId, challenge, { login_hint: "browser" }));
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code: back.searchParams.get("code") ?? "",
      client_id: clientId,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      resource: AUDIENCE,
    });
    const token = await fetch(`${ISSUER}/token`, { method: "POST", headers: { origin: ALLOWED }, body: form });
    expect(token.status).toBe(200);
    expect(token.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    // An error answer is readable too, with its description.
    const again = await fetch(`${ISSUER}/token`, { method: "POST", headers: { origin: ALLOWED }, body: form });
    expect(again.status).toBe(400);
    expect(again.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(await again.json()).toMatchObject({ error: "invalid_grant", error_description: expect.any(String) });
  });

  it.each(["https://evil.example", "null", `${ALLOWED}.evil.example`])(
    "refuses Origin %s with 403 and a description, preflight or not, registering nothing",
    async (origin) => {
      const answers = [
        await preflight("/reg", origin, "POST"),
        await preflight("/.well-known/oauth-authorization-server", origin, "GET"),
        await fetch(`${ISSUER}/.well-known/oauth-authorization-server`, { headers: { origin } }),
        await fetch(`${ISSUER}/reg`, {
          method: "POST",
          headers: { origin, "content-type": "application/json" },
          body: JSON.stringify({ client_name: "from evil", redirect_uris: [REDIRECT_URI] }),
        }),
        await fetch(`${ISSUER}/token`, { method: "POST", headers: { origin }, body: "grant_type=authorization_code" }),
      ];
      for (const response of answers) {
        expect(response.status).toBe(403);
        expect(response.headers.get("access-control-allow-origin")).toBeNull();
        expect(await response.json()).toMatchObject({
          error: "origin_not_allowed",
          error_description: expect.stringContaining("ALLOWED_ORIGINS"),
        });
      }
    },
  );

  it("leaves the sign-in page and the authorization endpoint (navigations) alone", async () => {
    const clientId = await registeredClientId();
    const { challenge } = await pkce();
    const response = await fetch(authorizationUrl(clientId, challenge, {}), {
      headers: { origin: "https://evil.example" },
      redirect: "manual",
    });
    expect(response.status).toBe(303);
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
