/** The certificate binding check as a pure function: every mode × certificate state × binding. */
import { describe, expect, it } from "vitest";
import {
  type CertificatePolicy,
  type ClientCertificate,
  checkClientCertificate,
  parseTlsClientAuth,
} from "../../src/auth/client-certificate";
import type { Principal } from "../../src/auth/principal";
import { ConfigError } from "../../src/config/config-error";
import { parseCredentialsConfig } from "../../src/config/credentials-config";

const A = "a".repeat(64);
const B = "b".repeat(64);
const principal = (certificateThumbprint?: string): Principal => ({
  subject: "s",
  tenant: "t",
  scopes: new Set(),
  roles: [],
  clientId: undefined,
  authTime: undefined,
  acr: undefined,
  credentialKind: "jwt",
  certificateThumbprint,
  expiresAt: 0,
});
const good = (fingerprint = A): ClientCertificate => ({ presented: true, verified: true, revoked: false, fingerprint });
const failed: ClientCertificate = { presented: true, verified: false, revoked: false, fingerprint: A };
const revoked: ClientCertificate = { presented: true, verified: true, revoked: true, fingerprint: A };
const policy = (mode: CertificatePolicy["mode"], allowed: string[] = []): CertificatePolicy => ({
  mode,
  allowedFingerprints: new Set(allowed),
});
const reasonOf = (result: ReturnType<typeof checkClientCertificate>) => (result.ok ? "ok" : result.reason);

describe("checkClientCertificate", () => {
  it.each([
    ["off", undefined, undefined, "ok"],
    ["off", undefined, failed, "ok"],
    ["off", A, undefined, "client_certificate_missing"],
    ["off", A, good(B), "certificate_binding_mismatch"],
    ["off", A, good(A), "ok"],
    ["required", undefined, undefined, "client_certificate_missing"],
    ["required", undefined, failed, "client_certificate_unverified"],
    ["required", undefined, revoked, "client_certificate_revoked"],
    ["required", undefined, good(B), "ok"],
    ["required", A, good(B), "certificate_binding_mismatch"],
    ["bound", undefined, undefined, "ok"],
    ["bound", undefined, failed, "client_certificate_unverified"],
    ["bound", undefined, good(B), "ok"],
    ["bound", A, revoked, "client_certificate_revoked"],
    ["bound", A, good(A), "ok"],
  ] as const)("mode %s, bound to %s, certificate %o → %s", (mode, bound, certificate, expected) => {
    expect(reasonOf(checkClientCertificate(principal(bound), certificate, policy(mode)))).toBe(expected);
  });

  it("applies MTLS_CERT_FINGERPRINTS to every certificate it relies on", () => {
    expect(reasonOf(checkClientCertificate(principal(), good(B), policy("required", [A])))).toBe(
      "client_certificate_not_allowed",
    );
    expect(reasonOf(checkClientCertificate(principal(B), good(B), policy("bound", [A])))).toBe(
      "client_certificate_not_allowed",
    );
    expect(reasonOf(checkClientCertificate(principal(), good(A), policy("required", [A])))).toBe("ok");
  });
});

describe("parseTlsClientAuth", () => {
  it("reads Cloudflare's strings, trusting nothing else", () => {
    expect(
      parseTlsClientAuth({
        certPresented: "1",
        certVerified: "SUCCESS",
        certRevoked: "0",
        certFingerprintSHA256: A.toUpperCase(),
      }),
    ).toEqual(good(A));
    expect(parseTlsClientAuth({ certPresented: "0", certVerified: "NONE" })).toMatchObject({
      presented: false,
      verified: false,
    });
    expect(parseTlsClientAuth({ certPresented: true, certVerified: true })).toMatchObject({
      presented: false,
      verified: false,
    });
    expect(
      parseTlsClientAuth({ certPresented: "1", certVerified: "SUCCESS", certFingerprintSHA256: "zz" }),
    ).toMatchObject({ fingerprint: undefined });
    expect(parseTlsClientAuth(undefined)).toBeUndefined();
  });
});

describe("credential settings", () => {
  it.each([
    [{ MTLS_MODE: "strict" }, "MTLS_MODE"],
    [{ MTLS_MODE: "required", MTLS_CERT_FINGERPRINTS: "abc" }, "MTLS_CERT_FINGERPRINTS"],
    [{ MTLS_CERT_FINGERPRINTS: A }, "MTLS_CERT_FINGERPRINTS"],
    [{ REQUIRE_SENDER_CONSTRAINED_TOKENS: "yes" }, "REQUIRE_SENDER_CONSTRAINED_TOKENS"],
    [{ API_KEYS_REVOKED: "short" }, "API_KEYS_REVOKED"],
  ])("%o is a ConfigError naming %s", (env, variable) => {
    expect(() => parseCredentialsConfig(env)).toThrow(ConfigError);
    try {
      parseCredentialsConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });

  it("defaults to off, no list, unbound tokens allowed", () => {
    expect(parseCredentialsConfig({})).toEqual({
      revokedApiKeyIds: new Set(),
      mtlsMode: "off",
      mtlsCertificateFingerprints: new Set(),
      requireSenderConstrainedTokens: false,
    });
  });
});
