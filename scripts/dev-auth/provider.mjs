/**
 * The dev authorization server's OAuth configuration: panva's `oidc-provider` (OpenID Certified), not
 * hand-written OAuth. Loopback only, in memory, for `npm run dev` and the tests; never deployed.
 *
 * What MCP clients get from it:
 * - RFC 8414 metadata at /.well-known/oauth-authorization-server (and OpenID discovery);
 * - RFC 7591 dynamic client registration (open, as MCP clients expect) and OAuth Client ID Metadata
 *   Documents (draft-02: an https `client_id` URL is fetched as the client's metadata);
 * - authorization code with PKCE S256 required for every client (OAuth 2.1);
 * - RFC 8707 resource indicators: the only resource is the dev MCP URL (also the default when a client
 *   sends none), and its access tokens are RFC 9068 JWTs with `aud` = that URL, `scope`, `client_id`,
 *   `auth_time` and the `roles` chosen at login.
 * No refresh tokens: step-up must go back through the authorization endpoint (a refresh cannot widen
 * scope, and MCP SDK clients try a refresh first when they hold one). Clients may still register the
 * `refresh_token` grant type (the Inspector and mcp-remote do), but the metadata does not offer it.
 * A scope the user refused is asked for again whenever a client requests it (a consent check of ours):
 * oidc-provider would otherwise remember the refusal and silently issue the narrower grant.
 */
import { randomBytes } from "node:crypto";
import Provider, { errors, interactionPolicy } from "oidc-provider";
import { createDevAdapter } from "./client-store.mjs";

/** The resource server's scopes; `files:delete` is normally obtained by step-up. */
export const FILE_SCOPES = ["files:read", "files:write", "files:delete"];
const ACCESS_TOKEN_TTL_SECONDS = 3600;

/**
 * The default prompts plus one consent check, first in line: a new authorization request that asks for a
 * scope an earlier grant of this session refused shows the sign-in page again. Not while resuming the
 * interaction that just recorded that refusal (`result.consent` is set then), or it would never end.
 */
function interactionPolicyAskingRefusedScopesAgain(resource) {
  const policy = interactionPolicy.base();
  policy.get("consent").checks.add(
    new interactionPolicy.Check(
      "refused_scopes_requested_again",
      "a scope refused earlier is requested again",
      (ctx) => {
        const { oidc } = ctx;
        if (oidc.result?.consent) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
        const refused = new Set([
          ...oidc.grant.getRejectedOIDCScope().split(" "),
          ...oidc.grant.getRejectedResourceScope(resource).split(" "),
        ]);
        refused.delete("");
        return [...oidc.requestParamScopes].some((scope) => refused.has(scope))
          ? interactionPolicy.Check.REQUEST_PROMPT
          : interactionPolicy.Check.NO_NEED_TO_PROMPT;
      },
    ),
    0,
  );
  return policy;
}

/**
 * @param {{ issuer: string, resource: string, privateJwk: Record<string, unknown>, clientsFile?: string,
 *   allowedOrigins: Set<string>,
 *   grants: Map<string, { roles: string[], authTime: number, scopes: string[] }> }} options
 */
export function createDevProvider({ issuer, resource, privateJwk, grants, clientsFile, allowedOrigins }) {
  const provider = new Provider(issuer, {
    adapter: createDevAdapter({ clientsFile }),
    jwks: { keys: [privateJwk] },
    // Accounts are whatever subject the login page (or login_hint) names: this is a dev server.
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    // The file scopes are listed here too: dynamic registration accepts a client `scope` only from this
    // list, and RFC 8414 `scopes_supported` comes from it. The login grants them for the resource
    // (and as OP scopes, so the consent prompt sees them granted).
    scopes: ["openid", ...FILE_SCOPES],
    claims: { openid: ["sub"] },
    responseTypes: ["code"],
    // The one dev key is ES256; registrations that name no algorithm get it.
    clientDefaults: {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
      token_endpoint_auth_method: "client_secret_basic",
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      clientIdMetadataDocument: { enabled: true, ack: "draft-02" },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== resource) throw new errors.InvalidTarget(`this server only issues tokens for ${resource}`);
          return {
            scope: FILE_SCOPES.join(" "),
            audience: resource,
            accessTokenTTL: ACCESS_TOKEN_TTL_SECONDS,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "ES256" } },
          };
        },
      },
    },
    // A client registered with a narrow `scope` (SDK clients register with the first challenge's) must
    // still be able to step up: the registered scope is widened to every file scope (RFC 7591 §3.2.1 lets
    // the server replace requested values; the answer shows the result). The validator hook of a custom
    // property is oidc-provider's place to adjust metadata before it is validated.
    extraClientMetadata: {
      properties: ["dev_step_up"],
      validator: (_ctx, key, _value, metadata) => {
        if (key === "dev_step_up" && typeof metadata.scope === "string") {
          metadata.scope = [...new Set([...metadata.scope.split(" ").filter(Boolean), ...FILE_SCOPES])].join(" ");
        }
      },
    },
    extraTokenClaims: (_ctx, token) => {
      const chosen = token.grantId ? grants.get(token.grantId) : undefined;
      if (!chosen) return undefined;
      return { auth_time: chosen.authTime, ...(chosen.roles.length > 0 ? { roles: chosen.roles } : {}) };
    },
    issueRefreshToken: () => false,
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: interactionPolicyAskingRefusedScopesAgain(resource),
    },
    // Browser clients call the token endpoint cross-origin; server.mjs already refused any other origin,
    // and the provider's own check agrees.
    clientBasedCORS: (_ctx, origin) => allowedOrigins.has(origin),
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_SECONDS,
      AuthorizationCode: 120,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    renderError: (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });
  // oidc-provider lists `refresh_token` in grant_types_supported as soon as `issueRefreshToken` is set,
  // even to "never"; the metadata says what is true: no refresh tokens are issued.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === "discovery" && Array.isArray(ctx.body?.grant_types_supported)) {
      ctx.body.grant_types_supported = ctx.body.grant_types_supported.filter((type) => type !== "refresh_token");
    }
  });
  return provider;
}
