/**
 * Request facts → Principal, or the reason why not. Pure apart from what the verifiers and bindings do
 * behind their interfaces; the clock is passed in.
 *
 *   1. the presented credential, from the Authorization header only (credential-header.ts);
 *   2. the verifier chosen by the credential's shape (credential-verifier.ts);
 *   3. every binding check, in order (a binding may add facts to the Principal, e.g. the DPoP key).
 */
import { type AuthResult, authFailure } from "./auth-failure";
import type { ClientCertificate } from "./client-certificate";
import { type PresentedCredential, parseAuthorization } from "./credential-header";
import { type CredentialVerifier, selectVerifier } from "./credential-verifier";
import type { Principal } from "./principal";

/** What authentication may look at: plain facts, copied from the HTTP request at the edge. */
export interface CredentialRequest {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | null;
  /** From `request.cf.tlsClientAuth` (Cloudflare's mTLS result); undefined when there is none. */
  readonly clientCertificate?: ClientCertificate | undefined;
  /** Every `DPoP` proof header value (RFC 9449 §4.1); more than one is refused. */
  readonly dpopProofs?: readonly string[];
}

export interface BindingInput {
  readonly principal: Principal;
  readonly credential: PresentedCredential;
  readonly request: CredentialRequest;
  readonly now: Date;
}

/** A check of what the credential is bound to (a client certificate, a DPoP key). */
export interface CredentialBinding {
  readonly name: string;
  check(input: BindingInput): Promise<AuthResult<Principal>>;
}

export interface Authenticator {
  readonly verifiers: readonly CredentialVerifier[];
  readonly bindings: readonly CredentialBinding[];
}

export async function authenticateCredential(
  authenticator: Authenticator,
  request: CredentialRequest,
  now: Date,
): Promise<AuthResult<Principal>> {
  const presented = parseAuthorization(request.url, request.authorization);
  if (!presented.ok) return presented;
  const credential = presented.value;
  const verifier = selectVerifier(authenticator.verifiers, credential.token);
  if (!verifier) return authFailure("malformed_token");
  let result = await verifier.verify(credential.token, now);
  for (const binding of authenticator.bindings) {
    if (!result.ok) return result;
    result = await binding.check({ principal: result.value, credential, request, now });
  }
  return result;
}
