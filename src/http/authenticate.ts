/**
 * Authenticate: request → Principal (src/auth/authenticate-credential.ts), or the complete refusal from
 * the wire table (auth-refusals.ts): 401 with a challenge that points at our metadata, or 503 +
 * Retry-After for our own outage. A refusal the caller chose costs the client IP one unit of its rate
 * limit, so guessing tokens is throttled like any flood (429 once it is over, then the IP block): every
 * 401, and the 503s that only stand in for a 401 we could not confirm (a made-up `kid` or a forged
 * signature while the key set cannot be fetched). A 503 for our outage alone costs nothing. Every
 * refusal is a security event with its reason code.
 */

import { DPOP_ALGORITHMS } from "../auth/algorithms";
import { type AuthFailureReason, isOurOutage } from "../auth/auth-failure";
import { authenticateCredential, type CredentialRequest } from "../auth/authenticate-credential";
import { parseTlsClientAuth } from "../auth/client-certificate";
import { schemeOf } from "../auth/credential-header";
import type { Principal } from "../auth/principal";
import { countFailedAuthentication } from "../limits/admission-check";
import { describeAuthFailure, toAuthRefusal } from "./auth-refusals";
import { buildBearerChallenge, buildDpopChallenge } from "./challenge";
import type { Edge } from "./edge";
import { tooManyRequests } from "./limit-refusals";
import { rateLimitHeaders } from "./rate-limit-headers";
import { HttpError, jsonRpcErrorResponse, serviceUnavailable } from "./responses";

/** Scopes a client should ask for when it has no token yet; `files:delete` is obtained by step-up. */
export const BASELINE_SCOPE = "files:read files:write";

/** The facts authentication may see; the rest of the request (body, other headers) stays here. */
export function toCredentialRequest(request: Request): CredentialRequest {
  const cf = request.cf as { tlsClientAuth?: unknown } | undefined;
  return {
    method: request.method,
    url: request.url,
    authorization: request.headers.get("authorization"),
    clientCertificate: parseTlsClientAuth(cf?.tlsClientAuth),
    dpopProofs: request.headers.has("dpop") ? [request.headers.get("dpop") ?? ""] : [],
  };
}

/**
 * 401 carries two challenges, Bearer first (MCP clients read `resource_metadata` from it), then
 * `DPoP algs="…"` so a client can tell DPoP is accepted (RFC 9449 §7.1). The error goes on the DPoP
 * challenge for proof failures and for requests made with the DPoP scheme, else on the Bearer one.
 */
function refusalResponse(reason: AuthFailureReason, edge: Edge): Response {
  const refusal = toAuthRefusal(reason);
  if (refusal.status === 503) return serviceUnavailable(refusal.message);
  if (refusal.status === 500)
    return jsonRpcErrorResponse(500, -32603, `Internal error (request ${edge.log.requestId})`);
  const onDpop = refusal.challenge === "dpop" || schemeOf(edge.request.headers.get("authorization")) === "dpop";
  const text = describeAuthFailure(reason, { issuer: edge.state.config.issuer, audience: edge.state.config.audience });
  const description = text ? { errorDescription: text } : {};
  const bearerError = onDpop || refusal.error === "invalid_dpop_proof" ? undefined : refusal.error;
  const bearer = buildBearerChallenge({
    resourceMetadataUrl: edge.state.resourceMetadataUrl,
    scope: BASELINE_SCOPE,
    ...(bearerError ? { error: bearerError, ...description } : {}),
  });
  const dpop = buildDpopChallenge({
    algorithms: DPOP_ALGORITHMS,
    ...(onDpop && refusal.error ? { error: refusal.error, ...description } : {}),
  });
  const message =
    refusal.error === undefined
      ? "Unauthorized: an access token is required"
      : text !== undefined
        ? `Unauthorized: ${text}`
        : "Unauthorized: the access token is missing, invalid or expired";
  const response = jsonRpcErrorResponse(401, -32000, message, { "www-authenticate": bearer });
  response.headers.append("www-authenticate", dpop);
  return response;
}

export async function authenticate(edge: Edge): Promise<Principal> {
  const { log, state } = edge;
  const result = await authenticateCredential(state.authenticator, toCredentialRequest(edge.request), new Date());
  if (result.ok) {
    const principal = result.value;
    log.set({ tenant: principal.tenant, subject: principal.subject, clientId: principal.clientId });
    edge.audit.authenticated(principal);
    return principal;
  }
  log.security({ type: "auth_failure", reason: result.reason });
  const refusal = toAuthRefusal(result.reason);
  if (refusal.status === 500 || (refusal.status === 503 && isOurOutage(result.reason))) {
    log.set({ outcome: refusal.status === 503 ? "unavailable" : "server_error", errorCode: refusal.errorCode });
    throw new HttpError(refusalResponse(result.reason, edge));
  }
  // Brute-forcing credentials costs the IP like any request: 429 once it is over, else the refusal.
  const counted = await countFailedAuthentication(state.limits, edge.ip, edge.defer);
  if (counted.kind === "uncounted") {
    // Our outage must not turn into "your token is fine" or into a 503 that hides the 401.
    log.security({ type: "degraded_decision", reason: "auth_failure_uncounted" });
  } else if (counted.kind === "rate_limited") {
    const headers = rateLimitHeaders(counted.windows, counted.now);
    throw tooManyRequests(log, "ip_auth_failures", counted.retryAt, counted.now, headers);
  }
  log.set(
    refusal.status === 503
      ? { outcome: "unavailable", errorCode: refusal.errorCode }
      : { outcome: "denied", errorCode: result.reason },
  );
  throw new HttpError(refusalResponse(result.reason, edge));
}
