/**
 * An in-memory OAuth client provider (the SDK 1.x `OAuthClientProvider` shape, which the AI SDK and the
 * LangChain adapters take) that needs no browser, for `npm run dev`: it adds `login_hint=<subject>` to the
 * authorization URL, which the dev authorization server approves at once, and keeps the redirect back
 * (code, state, iss). Against a real identity provider, open the URL in the user's browser instead and
 * take the code from your redirect URI.
 */
export function headlessProvider({ subject = "alice", redirectUrl = "http://127.0.0.1:8790/callback" } = {}) {
  const store = { callbacks: [], authorizations: [] };
  return {
    store,
    get redirectUrl() {
      return redirectUrl; // never listened on: redirectToAuthorization reads the redirect itself
    },
    get clientMetadata() {
      return {
        client_name: "client example",
        redirect_uris: [redirectUrl],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
    state: () => crypto.randomUUID(),
    clientInformation: () => store.client,
    saveClientInformation: (info) => {
      store.client = info;
    },
    tokens: () => store.tokens,
    saveTokens: (tokens) => {
      store.tokens = tokens;
    },
    codeVerifier: () => store.verifier,
    saveCodeVerifier: (verifier) => {
      store.verifier = verifier;
    },
    authorizationServerInformation: () => store.authorizationServer,
    saveAuthorizationServerInformation: (info) => {
      store.authorizationServer = info;
    },
    async redirectToAuthorization(url) {
      store.authorizations.push(url.searchParams.get("scope"));
      url.searchParams.set("login_hint", subject);
      const response = await fetch(url, { redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status !== 303 || !location) throw new Error(`authorization endpoint answered ${response.status}`);
      store.callbacks.push(new URL(location).searchParams);
    },
  };
}

/** The scope a JWT access token carries (for printing what the sign-in granted). */
export function scopeOf(accessToken) {
  return JSON.parse(Buffer.from(accessToken.split(".")[1], "base64url")).scope;
}
