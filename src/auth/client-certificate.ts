/**
 * Mutual TLS (RFC 8705) as Cloudflare delivers it: the edge terminates TLS, checks the client
 * certificate against the zone's mTLS CA (API Shield), and passes the result in
 * `request.cf.tlsClientAuth` (`certPresented`, `certVerified`, `certRevoked`, `certFingerprintSHA256`).
 * This Worker never sees the certificate itself, only those facts.
 *
 * The binding check (pure):
 *   - a credential bound to a certificate (a JWT's `cnf["x5t#S256"]`, an API key made with `--cert`)
 *     passes only with a verified, unrevoked client certificate whose SHA-256 equals the binding, in
 *     every MTLS_MODE: the binding belongs to the credential, no setting can drop it;
 *   - MTLS_MODE=required: every request needs a verified, unrevoked certificate;
 *   - MTLS_MODE=bound: as off, but a certificate that is presented must also verify and not be revoked
 *     (a client showing a bad certificate is refused rather than ignored);
 *   - MTLS_CERT_FINGERPRINTS (required / bound only): any certificate relied on must be on the list.
 */
import type { MtlsMode } from "../config/credentials-config";
import { type AuthFailureReason, type AuthResult, authFailure, authSuccess } from "./auth-failure";
import type { CredentialBinding } from "./authenticate-credential";
import type { Principal } from "./principal";

/** What the edge reported about the client certificate; absent when no TLS client auth data exists. */
export interface ClientCertificate {
  readonly presented: boolean;
  readonly verified: boolean;
  readonly revoked: boolean;
  /** Lowercase hex SHA-256 of the certificate (DER). */
  readonly fingerprint: string | undefined;
}

/** Pure: `request.cf.tlsClientAuth` (untrusted shape) → ClientCertificate. */
export function parseTlsClientAuth(raw: unknown): ClientCertificate | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const auth = raw as Record<string, unknown>;
  const fingerprint = typeof auth.certFingerprintSHA256 === "string" ? auth.certFingerprintSHA256.toLowerCase() : "";
  return {
    presented: auth.certPresented === "1",
    verified: auth.certVerified === "SUCCESS",
    revoked: auth.certRevoked === "1",
    fingerprint: /^[0-9a-f]{64,128}$/.test(fingerprint) ? fingerprint : undefined,
  };
}

export interface CertificatePolicy {
  readonly mode: MtlsMode;
  /** Empty: any verified certificate passes. */
  readonly allowedFingerprints: ReadonlySet<string>;
}

/** Why this certificate cannot be relied on, if it cannot. */
function unusable(
  certificate: ClientCertificate | undefined,
  policy: CertificatePolicy,
): AuthFailureReason | undefined {
  if (!certificate?.presented) return "client_certificate_missing";
  if (!certificate.verified) return "client_certificate_unverified";
  if (certificate.revoked) return "client_certificate_revoked";
  if (certificate.fingerprint === undefined) return "client_certificate_unverified";
  if (policy.allowedFingerprints.size > 0 && !policy.allowedFingerprints.has(certificate.fingerprint)) {
    return "client_certificate_not_allowed";
  }
  return undefined;
}

export function checkClientCertificate(
  principal: Principal,
  certificate: ClientCertificate | undefined,
  policy: CertificatePolicy,
): AuthResult<Principal> {
  const bound = principal.certificateThumbprint;
  const demanded =
    bound !== undefined || policy.mode === "required" || (policy.mode === "bound" && certificate?.presented === true);
  const problem = unusable(certificate, policy);
  if (!demanded) {
    // Not demanded, but a usable certificate is still the one fact later stages may rely on (a
    // `require-certificate` rule): recorded here, with the same checks as a demanded one.
    return authSuccess(
      problem || !certificate?.fingerprint ? principal : { ...principal, acceptedCertificate: certificate.fingerprint },
    );
  }
  if (problem) return authFailure(problem);
  if (bound !== undefined && bound !== certificate?.fingerprint) return authFailure("certificate_binding_mismatch");
  return authSuccess({ ...principal, acceptedCertificate: certificate?.fingerprint });
}

export function createClientCertificateBinding(policy: CertificatePolicy): CredentialBinding {
  return {
    name: "client_certificate",
    check: async ({ principal, request }) => checkClientCertificate(principal, request.clientCertificate, policy),
  };
}
