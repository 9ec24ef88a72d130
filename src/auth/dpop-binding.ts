/**
 * The DPoP binding (RFC 9449 §7): which scheme a credential may travel under, and the proof check.
 *   - `Authorization: DPoP <token>`: the token must be a DPoP-bound JWT (`cnf.jkt`) and the request must
 *     carry a valid proof signed with that key (dpop-proof.ts). API keys are never DPoP-bound.
 *   - `Authorization: Bearer <token>` with a DPoP-bound token is refused: a bound token sent as a bearer
 *     token is exactly what a thief without the key would send (no downgrade, §7.2).
 *
 * The proof check (and with it jose) is loaded with the first DPoP request, not at module load: a
 * Bearer token or an API key never needs it (src/loading/load-once.ts). A failed load rejects the check,
 * so the request fails closed (500), never without its proof checked.
 */
import { loadOnce } from "../loading/load-once";
import { type AuthResult, authFailure, authSuccess } from "./auth-failure";
import type { CredentialBinding } from "./authenticate-credential";
import type { checkDpopProof } from "./dpop-proof";
import type { Principal } from "./principal";
import type { ReplayCache } from "./replay-cache";

const loadProofCheck = loadOnce(() => import("./dpop-proof").then((module) => module.checkDpopProof));

export function createDpopBinding(
  replays: ReplayCache,
  proofCheck: () => Promise<typeof checkDpopProof> = loadProofCheck,
): CredentialBinding {
  return {
    name: "dpop",
    async check({ principal, credential, request, now }): Promise<AuthResult<Principal>> {
      const bound = principal.dpopThumbprint;
      if (credential.scheme === "bearer") {
        return bound === undefined ? authSuccess(principal) : authFailure("dpop_bound_token_as_bearer");
      }
      if (bound === undefined) return authFailure("dpop_token_not_bound");
      const checkDpopProof = await proofCheck();
      const proof = await checkDpopProof({
        proofs: request.dpopProofs ?? [],
        method: request.method,
        url: request.url,
        accessToken: credential.token,
        boundThumbprint: bound,
        now,
        replays,
      });
      return proof.ok ? authSuccess(principal) : proof;
    },
  };
}

/**
 * REQUIRE_SENDER_CONSTRAINED_TOKENS=true: a JWT bound to neither a certificate nor a DPoP key is refused.
 * Runs after the certificate and DPoP bindings, so a bound token here has already proven its binding.
 * API keys are not JWTs and are governed by their own record (`--cert`).
 */
export function createSenderConstraintRequirement(): CredentialBinding {
  return {
    name: "sender_constraint",
    check: async ({ principal }) =>
      principal.credentialKind === "jwt" &&
      principal.certificateThumbprint === undefined &&
      principal.dpopThumbprint === undefined
        ? authFailure("sender_constraint_required")
        : authSuccess(principal),
  };
}
