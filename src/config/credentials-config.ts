/**
 * Settings of the credential kinds beyond plain bearer JWTs: API key revocations that must not wait for
 * KV, mutual TLS and sender-constrained tokens. Parsed once per isolate as part of `parseConfig`; a
 * malformed value is a ConfigError naming the variable (never echoing it).
 *
 * No "enabled" switch: MTLS_MODE=off does not weaken anything a credential asks for (a certificate-bound
 * credential is checked against the client certificate in every mode), it only declines to demand a
 * certificate from credentials that are not bound to one.
 */
import { ConfigError } from "./config-error";

export type MtlsMode = "off" | "required" | "bound";

export interface CredentialsConfig {
  /** keyIds refused before KV is read (API_KEYS_REVOKED): immediate revocation with the deployment. */
  readonly revokedApiKeyIds: ReadonlySet<string>;
  readonly mtlsMode: MtlsMode;
  /** Lowercase hex SHA-256 fingerprints; empty = any verified, unrevoked certificate passes. */
  readonly mtlsCertificateFingerprints: ReadonlySet<string>;
  /** REQUIRE_SENDER_CONSTRAINED_TOKENS=true: a JWT without cnf.jkt or cnf["x5t#S256"] is refused. */
  readonly requireSenderConstrainedTokens: boolean;
}

export interface CredentialsEnv {
  API_KEYS_REVOKED?: string;
  MTLS_MODE?: string;
  MTLS_CERT_FINGERPRINTS?: string;
  REQUIRE_SENDER_CONSTRAINED_TOKENS?: string;
}

function listOf(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

function parseRevokedKeyIds(raw: string | undefined): Set<string> {
  const ids = listOf(raw);
  if (ids.some((id) => !/^[A-Za-z0-9]{16}$/.test(id))) {
    throw new ConfigError("API_KEYS_REVOKED", "must be a comma-separated list of 16-character key ids");
  }
  return new Set(ids);
}

function parseMtlsMode(raw: string | undefined): MtlsMode {
  const value = raw?.trim() || "off";
  if (value !== "off" && value !== "required" && value !== "bound") {
    throw new ConfigError("MTLS_MODE", 'must be "off", "required" or "bound"');
  }
  return value;
}

function parseFingerprints(raw: string | undefined): Set<string> {
  const fingerprints = listOf(raw).map((entry) => entry.replace(/:/g, "").toLowerCase());
  if (fingerprints.some((entry) => !/^[0-9a-f]{64}$/.test(entry))) {
    throw new ConfigError(
      "MTLS_CERT_FINGERPRINTS",
      "must be a comma-separated list of SHA-256 certificate fingerprints (64 hex digits each)",
    );
  }
  return new Set(fingerprints);
}

function parseBoolean(name: keyof CredentialsEnv, raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() || "false";
  if (value !== "true" && value !== "false") throw new ConfigError(name, 'must be "true" or "false"');
  return value === "true";
}

export function parseCredentialsConfig(env: CredentialsEnv): CredentialsConfig {
  const mtlsMode = parseMtlsMode(env.MTLS_MODE);
  const mtlsCertificateFingerprints = parseFingerprints(env.MTLS_CERT_FINGERPRINTS);
  // A restriction that would silently do nothing is a configuration mistake worth stopping for.
  if (mtlsMode === "off" && mtlsCertificateFingerprints.size > 0) {
    throw new ConfigError(
      "MTLS_CERT_FINGERPRINTS",
      'has no effect with MTLS_MODE=off; set MTLS_MODE to "required" or "bound"',
    );
  }
  return {
    revokedApiKeyIds: parseRevokedKeyIds(env.API_KEYS_REVOKED),
    mtlsMode,
    mtlsCertificateFingerprints,
    requireSenderConstrainedTokens: parseBoolean(
      "REQUIRE_SENDER_CONSTRAINED_TOKENS",
      env.REQUIRE_SENDER_CONSTRAINED_TOKENS,
    ),
  };
}
