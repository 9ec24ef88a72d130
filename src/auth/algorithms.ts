/**
 * The JWS algorithms a token may be signed with. Asymmetric only: with an HMAC algorithm allowed, a
 * token "signed" with our public key as the shared secret would verify (the classic key-confusion attack).
 */
export const ALLOWED_JWS_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
] as const;

/**
 * Advertised in `WWW-Authenticate: DPoP algs="…"` and the resource metadata, and accepted in proofs
 * (dpop-proof.ts). Here rather than beside the proof check, so the metadata route and the challenge do
 * not load jose (docs/performance.md, "Startup").
 */
export const DPOP_ALGORITHMS: readonly string[] = ALLOWED_JWS_ALGORITHMS.filter((alg) => alg !== "Ed25519");
