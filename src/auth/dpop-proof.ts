/**
 * DPoP proof checking at a resource server, RFC 9449 §4.3 and §7.1, as SEP-1932 ("DPoP Profile for
 * MCP") adopts it: plain RFC 9449, no MCP-specific claims and no request-body digest (the SEP's final
 * text dropped an earlier body-binding draft), an `iat` acceptance window of ±5 minutes, and `jti`
 * replay tracking where the server can keep state (we can: Upstash).
 *
 * Pure apart from the replay cache behind its interface; the clock is passed in. Checks, in order:
 * one proof header; a JWS with `typ: dpop+jwt`, an asymmetric `alg` and a public `jwk` it verifies
 * with; `htm` = the request method; `htu` = the request URI without query and fragment (compared after
 * URL normalisation, §4.3 step 9); `iat` inside the window; `ath` = base64url(SHA-256(access token));
 * the JWK thumbprint (RFC 7638) = the token's `cnf.jkt`; and last, `jti` never seen before within the
 * window (last, so a proof that fails another check does not use up its `jti`).
 */
import { base64url, calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from "jose";
import * as z from "zod";
import { DPOP_ALGORITHMS } from "./algorithms";
import { type AuthResult, authFailure, authSuccess } from "./auth-failure";
import { type ReplayCache, ReplayCacheUnavailableError } from "./replay-cache";

/** SEP-1932: ±5 minutes. */
export const DPOP_IAT_WINDOW_SECONDS = 300;
/** A proof's jti is remembered for as long as any proof with that iat could still be accepted. */
export const DPOP_REPLAY_TTL_SECONDS = 2 * DPOP_IAT_WINDOW_SECONDS;
const MAX_PROOF_LENGTH = 8 * 1024;

const proofClaims = z.object({
  jti: z.string().min(1).max(256),
  htm: z.string(),
  htu: z.string(),
  iat: z.number(),
  ath: z.string().optional(),
});

export interface DpopProofInput {
  /** Every `DPoP` header value of the request (more than one is refused). */
  readonly proofs: readonly string[];
  readonly method: string;
  readonly url: string;
  readonly accessToken: string;
  /** The token's `cnf.jkt`. */
  readonly boundThumbprint: string;
  readonly now: Date;
  readonly replays: ReplayCache;
}

/** Scheme, host and path as the client would have written them in `htu` (RFC 3986 §6.2.2–6.2.3). */
function normalisedTarget(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}

async function accessTokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

export async function checkDpopProof(input: DpopProofInput): Promise<AuthResult<{ jkt: string }>> {
  const [proof, ...more] = input.proofs;
  if (proof === undefined) return authFailure("dpop_proof_missing");
  // Headers joins repeated fields with ", "; a compact JWS has neither a comma nor a space.
  if (more.length > 0 || /[, ]/.test(proof) || proof.length > MAX_PROOF_LENGTH) {
    return authFailure("dpop_proof_malformed");
  }
  let claims: z.infer<typeof proofClaims>;
  let jwk: JWK;
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: [...DPOP_ALGORITHMS],
      currentDate: input.now,
    });
    const parsed = proofClaims.safeParse(payload);
    if (!parsed.success) return authFailure("dpop_proof_malformed");
    claims = parsed.data;
    jwk = protectedHeader.jwk as JWK;
  } catch {
    // Wrong typ, symmetric or unknown alg, no or private jwk, bad signature, exp in the past: all one
    // kind of failure for the caller, and the proof is never logged.
    return authFailure("dpop_proof_invalid");
  }
  if (claims.htm !== input.method) return authFailure("dpop_method_mismatch");
  const expected = normalisedTarget(input.url);
  if (expected === undefined || normalisedTarget(claims.htu) !== expected) return authFailure("dpop_url_mismatch");
  const nowSeconds = input.now.getTime() / 1000;
  if (Math.abs(nowSeconds - claims.iat) > DPOP_IAT_WINDOW_SECONDS) return authFailure("dpop_proof_stale");
  if (claims.ath === undefined || claims.ath !== (await accessTokenHash(input.accessToken))) {
    return authFailure("dpop_token_hash_mismatch");
  }
  const jkt = await calculateJwkThumbprint(jwk, "sha256");
  if (jkt !== input.boundThumbprint) return authFailure("dpop_key_mismatch");
  let first: boolean;
  try {
    first = await input.replays.firstSeen(jkt, claims.jti, DPOP_REPLAY_TTL_SECONDS);
  } catch (error) {
    if (error instanceof ReplayCacheUnavailableError) return authFailure("replay_cache_unavailable");
    throw error;
  }
  if (!first) return authFailure("dpop_proof_replayed");
  return authSuccess({ jkt });
}
