/**
 * Bearer JWT → Principal, as an OAuth 2.0 resource server (RFC 9068 profile, RFC 8707 audience).
 *
 * Refused before any key is looked at (so such a token never costs a key-set fetch): anything that is not
 * three base64url parts with a JSON object payload, key-selection headers other than `kid` (`jku`, `jwk`,
 * `x5u`, `x5c` let the token choose its own key) and any `crit` header (we implement no extensions,
 * RFC 7515 §4.1.11). Then jose checks the signature against the configured key set with an asymmetric
 * allow-list, `iss`, `aud`, `exp` (required), `nbf` and a small clock tolerance.
 *
 * A key the key set holds past its trusted age (key-set.ts) never accepts a token: a token it verifies is
 * answered "key set unavailable" (our outage), a signature it rejects is the caller's forgery
 * (`key_set_unavailable_bad_signature`), and a claim that fails is a bad token whatever the key's age.
 */

import {
  base64url,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import * as z from "zod";
import type { Config } from "../config/config";
import { toHex } from "../encoding/hex";
import { isValidTenantId } from "../sandbox/tenant-prefix";
import { ALLOWED_JWS_ALGORITHMS } from "./algorithms";
import { type AuthFailureReason, type AuthResult, authFailure } from "./auth-failure";
import { type CredentialVerifier, looksLikeJwt } from "./credential-verifier";
import { createKeyResolver, type KeyResolver, KeySetUnavailableError } from "./key-set";
import type { Principal } from "./principal";

const HOSTILE_KEY_HEADERS = ["jku", "jwk", "x5u", "x5c"] as const;
const MAX_TOKEN_LENGTH = 16 * 1024;

const stringList = z.union([z.string(), z.array(z.string())]);

const claimsSchema = z.object({
  sub: z.string().min(1),
  scope: z.string().optional(),
  scp: stringList.optional(),
  client_id: z.string().optional(),
  azp: z.string().optional(),
  auth_time: z.number().optional(),
  acr: z.string().max(256).optional(),
  exp: z.number(),
  // RFC 8705 §3.1 and RFC 9449 §6.1: base64url SHA-256 of the certificate / of the JWK (RFC 7638).
  cnf: z
    .looseObject({
      "x5t#S256": z
        .string()
        .regex(/^[A-Za-z0-9_-]{43}$/)
        .optional(),
      jkt: z
        .string()
        .regex(/^[A-Za-z0-9_-]{43}$/)
        .optional(),
    })
    .optional(),
});

function toList(value: string | string[] | undefined, separator = " "): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : value.split(separator);
  return items.map((item) => item.trim()).filter((item) => item.length > 0);
}

/** Where the tenant and the roles are read from (OAUTH_TENANT_CLAIM, the policy's `rolesClaim`). */
export interface ClaimNames {
  readonly tenantClaim: string;
  readonly rolesClaim: string;
}

/** Pure: verified payload → Principal, or the reason it cannot be one. */
export function toPrincipal(payload: JWTPayload, names: ClaimNames): AuthResult<Principal> {
  const { tenantClaim } = names;
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) return authFailure("invalid_claims");
  // A roles claim the policy cannot read must not count as "no roles" (which would leave the token's
  // scopes unrestricted): refuse the token instead.
  const roles = stringList.optional().safeParse((payload as Record<string, unknown>)[names.rolesClaim]);
  if (!roles.success) return authFailure("invalid_claims");
  const tenant = (payload as Record<string, unknown>)[tenantClaim];
  if (tenant === undefined || tenant === null || tenant === "") return authFailure("missing_tenant");
  // Present but not a string (a numeric org id, an array): an IdP mapping to fix, not a missing claim.
  if (typeof tenant !== "string") return authFailure("invalid_tenant");
  if (!isValidTenantId(tenant)) return authFailure("invalid_tenant");
  const c = claims.data;
  const x5t = c.cnf?.["x5t#S256"];
  return {
    ok: true,
    value: {
      subject: c.sub,
      tenant,
      scopes: new Set([...toList(c.scope), ...toList(c.scp)]),
      roles: toList(roles.data),
      clientId: c.client_id ?? c.azp,
      authTime: c.auth_time,
      acr: c.acr,
      credentialKind: "jwt",
      // Cloudflare reports certificate fingerprints in hex; the binding is compared in that form.
      certificateThumbprint: x5t === undefined ? undefined : toHex(base64url.decode(x5t)),
      dpopThumbprint: c.cnf?.jkt,
      expiresAt: c.exp,
    },
  };
}

/** True when the parts jose would only decode after fetching a key are well formed. */
function wellFormedParts(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    decodeJwt(token); // the payload: base64url of a JSON object
    // An empty signature is well formed (and simply wrong: bad_signature).
    return /^[A-Za-z0-9_-]*$/.test(parts[2]!);
  } catch {
    return false;
  }
}

function inspectToken(token: string): AuthFailureReason | undefined {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token) as Record<string, unknown>;
  } catch {
    return "malformed_token";
  }
  if (HOSTILE_KEY_HEADERS.some((name) => name in header)) return "hostile_key_header";
  if ("crit" in header) return "unsupported_critical_header";
  if (typeof header.alg !== "string" || !(ALLOWED_JWS_ALGORITHMS as readonly string[]).includes(header.alg)) {
    return "algorithm_not_allowed";
  }
  if (!wellFormedParts(token)) return "malformed_token";
  return undefined;
}

/** Maps jose's stable error codes (never message text) to our reasons. */
function toFailureReason(error: unknown): AuthFailureReason {
  if (error instanceof KeySetUnavailableError)
    return error.unknownKey ? "key_set_unavailable_unknown_key" : "key_set_unavailable";
  if (!(error instanceof errors.JOSEError)) return "malformed_token";
  switch (error.code) {
    case errors.JWTExpired.code:
      return "expired";
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = error as errors.JWTClaimValidationFailed;
      if (claim === "iss") return "wrong_issuer";
      if (claim === "aud") return "wrong_audience";
      // A present-but-non-numeric `exp`/`nbf` (reason "invalid") is a malformed claim, not a time
      // failure: it used to be logged as "expired"/"not_yet_valid", sending operators after clock skew.
      // (A real expiry arrives as JWTExpired above, never here.)
      if (reason === "invalid") return "invalid_claims";
      if (claim === "nbf") return "not_yet_valid";
      if (claim === "exp") return reason === "missing" ? "missing_expiry" : "expired";
      return "invalid_claims";
    }
    case errors.JWSSignatureVerificationFailed.code:
      return "bad_signature";
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return "unknown_key";
    case errors.JOSEAlgNotAllowed.code:
      return "algorithm_not_allowed";
    default:
      return "malformed_token";
  }
}

export function createJwtVerifier(
  config: Config,
  keys: KeyResolver = createKeyResolver(config.jwks, { timeoutMs: config.jwksTimeoutMs }),
): CredentialVerifier {
  return {
    kind: "jwt",
    matches: looksLikeJwt,
    async verify(token, now) {
      if (token.length > MAX_TOKEN_LENGTH) return authFailure("malformed_token");
      const tokenProblem = inspectToken(token);
      if (tokenProblem) return authFailure(tokenProblem);
      let trusted = true;
      const getKey: JWTVerifyGetKey = async (header, input) => {
        const resolved = await keys(header, input);
        trusted = resolved.trusted;
        return resolved.key;
      };
      try {
        const { payload } = await jwtVerify(token, getKey, {
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [...ALLOWED_JWS_ALGORITHMS],
          requiredClaims: ["exp"],
          clockTolerance: config.clockToleranceSeconds,
          currentDate: now,
        });
        const principal = toPrincipal(payload, {
          tenantClaim: config.tenantClaim,
          rolesClaim: config.policy.rolesClaim,
        });
        return principal.ok && !trusted ? authFailure("key_set_unavailable") : principal;
      } catch (error) {
        const reason = toFailureReason(error);
        return authFailure(!trusted && reason === "bad_signature" ? "key_set_unavailable_bad_signature" : reason);
      }
    },
  };
}
