/**
 * A client of the dev authorization server (started by the global setup), for the tests that drive it
 * over HTTP from workerd: its metadata, dynamic registration, PKCE, authorization URLs, the token
 * exchange, and a "browser" (a cookie jar over manual redirects) for the sign-in page.
 */
import { expect, inject } from "vitest";
import { AUDIENCE } from "./tokens";

export const ISSUER = inject("devAuthIssuer");
export const REDIRECT_URI = "http://127.0.0.1:8819/callback";

export interface Metadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  registration_endpoint: string;
  jwks_uri: string;
  [name: string]: unknown;
}

export async function fetchMetadata(): Promise<Metadata> {
  const response = await fetch(`${ISSUER}/.well-known/oauth-authorization-server`);
  expect(response.status).toBe(200);
  return (await response.json()) as Metadata;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return { verifier, challenge: base64url(digest) };
}

export async function register(body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${ISSUER}/reg`, {
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

export async function registeredClientId(body: Record<string, unknown> = {}): Promise<string> {
  const response = await register(body);
  expect(response.status).toBe(201);
  return ((await response.json()) as { client_id: string }).client_id;
}

export function authorizationUrl(clientId: string, challenge: string, params: Record<string, string | undefined>): URL {
  const url = new URL(`${ISSUER}/auth`);
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

export async function exchange(
  clientId: string,
  code: string,
  verifier: string,
  resource: string | undefined = AUDIENCE,
): Promise<Response> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
  if (resource) form.set("resource", resource);
  return fetch(`${ISSUER}/token`, { method: "POST", body: form });
}

export type Browse = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** A browser's cookie jar over manual redirects: the sign-in page binds to it like to a real browser. */
export function createBrowser(): Browse {
  const jar = new Map<string, string>();
  return async (url, init = {}) => {
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

/** Follows the authorization server's own redirects; returns where it finally sends the browser. */
export async function followToClient(browse: Browse, response: Response): Promise<URL> {
  let current = response;
  for (let hops = 0; current.status === 303 && hops < 5; hops++) {
    const next = new URL(current.headers.get("location") ?? "", ISSUER);
    if (next.origin !== ISSUER) return next;
    current = await browse(next);
  }
  throw new Error(`did not end at the client: ${current.status} ${await current.text()}`);
}

/** Starts an authorization request in `browse` and returns the sign-in page's URL (the 303's target). */
export async function openSignInPage(browse: Browse, url: URL): Promise<URL> {
  const start = await browse(url);
  expect(start.status, await start.clone().text()).toBe(303);
  const pageUrl = new URL(start.headers.get("location") ?? "", ISSUER);
  expect(pageUrl.pathname).toMatch(/^\/interaction\//);
  return pageUrl;
}
