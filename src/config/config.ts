/**
 * Worker environment → validated `Config`, parsed once per env object.
 *
 * Invariant 4: security settings have no "enabled" switch. A missing or malformed production setting is
 * a `ConfigError` naming the variable; the app answers 503 until it is fixed, never an open server.
 * Defaults that weaken anything (http JWKS URLs, in-memory limits) exist only when
 * `ENVIRONMENT=development` says so explicitly.
 */
import * as z from "zod";
import { type Policy, parsePolicy, SCOPES_ONLY_POLICY } from "../policy/policy";
import { type AuditConfig, type AuditEnv, parseAuditConfig } from "./audit-config";
import { ConfigError, type Environment } from "./config-error";
import { type CredentialsConfig, type CredentialsEnv, parseCredentialsConfig } from "./credentials-config";
import { parseSecureUrl, parseWholeNumber, present } from "./env-values";
import { type LimitsConfig, type LimitsEnv, parseLimitsConfig } from "./limits-config";

export { ConfigError, type Environment };

/** `info`: every request is logged; `warn`: only requests with a security event or a 5xx (LOG_LEVEL). */
export type LogLevel = "info" | "warn";

export type JwksSource =
  | { readonly kind: "remote"; readonly url: URL }
  | { readonly kind: "inline"; readonly keys: { keys: Record<string, unknown>[] } };

export interface Config {
  readonly environment: Environment;
  readonly issuer: string;
  /** The canonical MCP URL; tokens must name exactly this audience (RFC 8707). */
  readonly audience: string;
  readonly jwks: JwksSource;
  readonly tenantClaim: string;
  /** Browser origins allowed besides the server's own (exact `scheme://host[:port]`). */
  readonly allowedOrigins: readonly string[];
  readonly maxRequestBytes: number;
  readonly clockToleranceSeconds: number;
  readonly jwksTimeoutMs: number;
  /** Rate limits, quotas, Upstash and its failure mode (limits-config.ts). */
  readonly limits: LimitsConfig;
  /** `warn` leaves out request lines without security events or 5xx (docs/logging.md). */
  readonly logLevel: LogLevel;
  /** The access policy (`ACCESS_POLICY`); without one, scopes alone decide (docs/policy.md). */
  readonly policy: Policy;
  /**
   * HMAC secret sealing confirmation request state (src/policy/confirmation.ts); undefined when no rule
   * asks for confirmations. A random per-isolate value in development when unset.
   */
  readonly confirmationSecret: string | undefined;
  /** Signing key, SIEM sink, alert webhook and detector thresholds (src/config/audit-config.ts). */
  readonly audit: AuditConfig;
  /** API key revocations, mTLS, sender-constrained tokens (src/config/credentials-config.ts). */
  readonly credentials: CredentialsConfig;
}

/** The variables this module reads; everything else in env is ignored here. */
export interface ConfigEnv extends LimitsEnv, AuditEnv, CredentialsEnv {
  ENVIRONMENT?: string;
  OAUTH_ISSUER?: string;
  OAUTH_AUDIENCE?: string;
  OAUTH_JWKS_URL?: string;
  OAUTH_JWKS?: string;
  OAUTH_TENANT_CLAIM?: string;
  ALLOWED_ORIGINS?: string;
  MAX_REQUEST_BYTES?: string;
  OAUTH_CLOCK_TOLERANCE_SECONDS?: string;
  OAUTH_JWKS_TIMEOUT_MS?: string;
  LOG_LEVEL?: string;
  ACCESS_POLICY?: string;
  CONFIRMATION_SECRET?: string;
}

export const DEFAULT_MAX_REQUEST_BYTES = 6 * 1024 * 1024;
const MAX_REQUEST_BYTES_CEILING = 32 * 1024 * 1024;

const jwkSetSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string() })).min(1, "must contain at least one key"),
});

function required(env: ConfigEnv, name: keyof ConfigEnv): string {
  const value = present(env[name]);
  if (value === undefined) throw new ConfigError(name, "is required but not set");
  return value;
}

function parseInteger(env: ConfigEnv, name: keyof ConfigEnv, fallback: number, min: number, max: number): number {
  return parseWholeNumber(name, env[name], min, max, fallback);
}

export function parseEnvironment(raw: string | undefined): Environment {
  const value = present(raw) ?? "production";
  if (value !== "production" && value !== "development") {
    throw new ConfigError("ENVIRONMENT", 'must be "production" or "development"');
  }
  return value;
}

function parseJwks(env: ConfigEnv, environment: Environment): JwksSource {
  const url = present(env.OAUTH_JWKS_URL);
  const inline = present(env.OAUTH_JWKS);
  if (url !== undefined && inline !== undefined) {
    throw new ConfigError("OAUTH_JWKS", "and OAUTH_JWKS_URL are both set; set exactly one");
  }
  if (url !== undefined) return { kind: "remote", url: parseSecureUrl("OAUTH_JWKS_URL", url, environment) };
  if (inline === undefined) throw new ConfigError("OAUTH_JWKS_URL", "is required but not set (or set OAUTH_JWKS)");
  let json: unknown;
  try {
    json = JSON.parse(inline);
  } catch {
    throw new ConfigError("OAUTH_JWKS", "must be a JSON Web Key Set (invalid JSON)");
  }
  const parsed = jwkSetSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError("OAUTH_JWKS", 'must be a JSON Web Key Set ({"keys": [...]})');
  // A private key in the verifier's configuration means someone pasted the wrong file: refuse it
  // rather than hold signing material in a var that is visible in the dashboard.
  if (parsed.data.keys.some((key) => "d" in key || key.kty === "oct")) {
    throw new ConfigError(
      "OAUTH_JWKS",
      "must hold public asymmetric keys only (found private or symmetric key material)",
    );
  }
  return { kind: "inline", keys: parsed.data };
}

function parseOrigins(raw: string | undefined): string[] {
  const value = present(raw);
  if (value === undefined) return [];
  return value.split(",").map((entry) => {
    const origin = entry.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(
        "ALLOWED_ORIGINS",
        "must be a comma-separated list of origins like https://app.example.com",
      );
    }
    if (url.origin !== origin) {
      throw new ConfigError(
        "ALLOWED_ORIGINS",
        "entries must be bare origins (scheme://host[:port], no path or trailing slash)",
      );
    }
    return origin;
  });
}

function parseLogLevel(raw: string | undefined): LogLevel {
  const value = present(raw) ?? "info";
  if (value !== "info" && value !== "warn") throw new ConfigError("LOG_LEVEL", 'must be "info" or "warn"');
  return value;
}

function parseTenantClaim(raw: string | undefined): string {
  const value = present(raw) ?? "sub";
  if (!/^[A-Za-z0-9_.:/-]{1,128}$/.test(value)) {
    throw new ConfigError("OAUTH_TENANT_CLAIM", "must be a claim name (letters, digits, _ . : / -)");
  }
  return value;
}

/** Absent → scopes only (today's behaviour); present but invalid → ConfigError, the server fails closed. */
function parseAccessPolicy(raw: string | undefined): Policy {
  const text = present(raw);
  if (text === undefined) return SCOPES_ONLY_POLICY;
  const result = parsePolicy(text);
  if (!result.ok) throw new ConfigError("ACCESS_POLICY", result.problem);
  return result.policy;
}

const MIN_CONFIRMATION_SECRET_LENGTH = 32;

function parseConfirmationSecret(
  raw: string | undefined,
  environment: Environment,
  policy: Policy,
): string | undefined {
  const secret = present(raw);
  if (secret !== undefined) {
    if (secret.length < MIN_CONFIRMATION_SECRET_LENGTH) {
      throw new ConfigError("CONFIRMATION_SECRET", `must be at least ${MIN_CONFIRMATION_SECRET_LENGTH} characters`);
    }
    return secret;
  }
  if (!policy.rules.some(({ rule }) => rule.effect === "confirm")) return undefined;
  if (environment !== "development") {
    throw new ConfigError("CONFIRMATION_SECRET", "is required when ACCESS_POLICY has a confirm rule");
  }
  // Development only: a random secret per isolate (confirmations do not survive a restart; fine locally).
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function parseConfig(env: ConfigEnv): Config {
  const environment = parseEnvironment(env.ENVIRONMENT);
  const issuer = required(env, "OAUTH_ISSUER");
  const audienceRaw = required(env, "OAUTH_AUDIENCE");
  parseSecureUrl("OAUTH_AUDIENCE", audienceRaw, environment);
  const policy = parseAccessPolicy(env.ACCESS_POLICY);
  return {
    environment,
    issuer,
    // Compared byte for byte with the token's `aud`; no normalisation, so a look-alike never matches.
    audience: audienceRaw,
    jwks: parseJwks(env, environment),
    tenantClaim: parseTenantClaim(env.OAUTH_TENANT_CLAIM),
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    maxRequestBytes: parseInteger(env, "MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES, 1024, MAX_REQUEST_BYTES_CEILING),
    clockToleranceSeconds: parseInteger(env, "OAUTH_CLOCK_TOLERANCE_SECONDS", 30, 0, 300),
    jwksTimeoutMs: parseInteger(env, "OAUTH_JWKS_TIMEOUT_MS", 3000, 100, 30000),
    limits: parseLimitsConfig(env, environment),
    logLevel: parseLogLevel(env.LOG_LEVEL),
    policy,
    confirmationSecret: parseConfirmationSecret(env.CONFIRMATION_SECRET, environment, policy),
    credentials: parseCredentialsConfig(env),
    audit: parseAuditConfig(env, environment),
  };
}
