/**
 * Request → Principal, or the complete refusal: 401 with a Bearer challenge that points at our metadata
 * (adding `error="invalid_token"` when a token was sent), or 503 + Retry-After when the key set could not
 * be fetched (our outage, not the caller's fault). Every refusal is a security event with its reason code.
 */
import type { RequestLog } from "../audit/audit-log";
import type { AuthFailureReason } from "../auth/auth-failure";
import { extractBearerToken } from "../auth/bearer";
import type { JwtVerifier } from "../auth/jwt-verifier";
import type { Principal } from "../auth/principal";
import { type BearerError, buildBearerChallenge } from "./challenge";
import { HttpError, jsonRpcErrorResponse, serviceUnavailable } from "./responses";

/** Scopes a client should ask for when it has no token yet; `files:delete` is obtained by step-up. */
export const BASELINE_SCOPE = "files:read files:write";

export interface AuthenticateOptions {
  readonly verifier: JwtVerifier;
  readonly resourceMetadataUrl: string;
  readonly log: RequestLog;
  /** The trusted issuer and this server's audience: public values (see the metadata), named in refusals. */
  readonly expected: { readonly issuer: string; readonly audience: string };
}

/**
 * The one refusal detail a caller gets besides the error code: a token minted for another server (or by
 * another issuer) is a configuration mistake the caller can fix, e.g. a token for another dev port. Only
 * our own public values are named, never anything read from the token. Every other reason stays generic.
 */
export function describeAuthFailure(
  reason: AuthFailureReason,
  expected: AuthenticateOptions["expected"],
): string | undefined {
  switch (reason) {
    case "token_in_query":
      return "Send the access token in the Authorization header only";
    case "wrong_audience":
      return `The access token is for another audience; this server accepts only aud ${expected.audience}`;
    case "wrong_issuer":
      return `The access token is from another issuer; this server trusts only ${expected.issuer}`;
    default:
      return undefined;
  }
}

function unauthorized(
  reason: AuthFailureReason,
  resourceMetadataUrl: string,
  expected: AuthenticateOptions["expected"],
): HttpError {
  const error: BearerError | undefined =
    reason === "missing_credential" || reason === "unsupported_scheme"
      ? undefined
      : reason === "token_in_query" || reason === "malformed_authorization_header"
        ? "invalid_request"
        : "invalid_token";
  const description = describeAuthFailure(reason, expected);
  const challenge = buildBearerChallenge({
    resourceMetadataUrl,
    scope: BASELINE_SCOPE,
    ...(error ? { error } : {}),
    ...(description ? { errorDescription: description } : {}),
  });
  const message =
    error === undefined
      ? "Unauthorized: an access token is required"
      : description !== undefined
        ? `Unauthorized: ${description}`
        : "Unauthorized: the access token is missing, invalid or expired";
  return new HttpError(jsonRpcErrorResponse(401, -32000, message, { "www-authenticate": challenge }));
}

export async function authenticate(request: Request, options: AuthenticateOptions): Promise<Principal> {
  const { log } = options;
  const extracted = extractBearerToken(request);
  const result = extracted.ok ? await options.verifier.verify(extracted.value) : extracted;
  if (result.ok) {
    const principal = result.value;
    log.set({ tenant: principal.tenant, subject: principal.subject, clientId: principal.clientId });
    return principal;
  }
  log.security({ type: "auth_failure", reason: result.reason });
  if (result.reason === "key_set_unavailable") {
    log.set({ outcome: "unavailable", errorCode: "jwks_unavailable" });
    throw new HttpError(serviceUnavailable("Authorization server keys are temporarily unavailable; retry later"));
  }
  log.set({ outcome: "denied", errorCode: result.reason });
  throw unauthorized(result.reason, options.resourceMetadataUrl, options.expected);
}
