import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type ConfigEnv, ConfigError, DEFAULT_MAX_REQUEST_BYTES, parseConfig } from "../../src/config/config";

const JWKS = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] });
const VALID: ConfigEnv = {
  OAUTH_ISSUER: "https://issuer.example.com/",
  OAUTH_AUDIENCE: "https://files.example.com/mcp",
  OAUTH_JWKS_URL: "https://issuer.example.com/jwks.json",
  UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "upstash-token",
  AUDIT_SIGNING_KEY: env.AUDIT_SIGNING_KEY,
};

function variableOf(env: ConfigEnv): string | undefined {
  try {
    parseConfig(env);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain((error as ConfigError).variable);
    return (error as ConfigError).variable;
  }
}

describe("parseConfig", () => {
  it("parses a production configuration with defaults", () => {
    const config = parseConfig(VALID);
    expect(config).toMatchObject({
      environment: "production",
      issuer: VALID.OAUTH_ISSUER,
      audience: VALID.OAUTH_AUDIENCE,
      tenantClaim: "sub",
      allowedOrigins: [],
      maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    });
    expect(config.jwks.kind).toBe("remote");
  });

  it.each([
    [{ ...VALID, OAUTH_ISSUER: undefined }, "OAUTH_ISSUER"],
    [{ ...VALID, OAUTH_ISSUER: "  " }, "OAUTH_ISSUER"],
    [{ ...VALID, OAUTH_AUDIENCE: undefined }, "OAUTH_AUDIENCE"],
    [{ ...VALID, OAUTH_AUDIENCE: "not a url" }, "OAUTH_AUDIENCE"],
    [{ ...VALID, OAUTH_AUDIENCE: "http://files.example.com/mcp" }, "OAUTH_AUDIENCE"],
    [{ ...VALID, OAUTH_JWKS_URL: undefined }, "OAUTH_JWKS_URL"],
    [{ ...VALID, OAUTH_JWKS_URL: "http://issuer.example.com/jwks" }, "OAUTH_JWKS_URL"],
    [{ ...VALID, OAUTH_JWKS: JWKS }, "OAUTH_JWKS"],
    [{ ...VALID, OAUTH_JWKS_URL: undefined, OAUTH_JWKS: "{not json" }, "OAUTH_JWKS"],
    [{ ...VALID, OAUTH_JWKS_URL: undefined, OAUTH_JWKS: '{"keys":[]}' }, "OAUTH_JWKS"],
    [{ ...VALID, OAUTH_JWKS_URL: undefined, OAUTH_JWKS: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' }, "OAUTH_JWKS"],
    [{ ...VALID, OAUTH_JWKS_URL: undefined, OAUTH_JWKS: '{"keys":[{"kty":"EC","d":"private"}]}' }, "OAUTH_JWKS"],
    [{ ...VALID, ENVIRONMENT: "staging" }, "ENVIRONMENT"],
    [{ ...VALID, ALLOWED_ORIGINS: "https://a.example.com/path" }, "ALLOWED_ORIGINS"],
    [{ ...VALID, ALLOWED_ORIGINS: "https://a.example.com/" }, "ALLOWED_ORIGINS"],
    [{ ...VALID, ALLOWED_ORIGINS: "*" }, "ALLOWED_ORIGINS"],
    [{ ...VALID, MAX_REQUEST_BYTES: "10MB" }, "MAX_REQUEST_BYTES"],
    [{ ...VALID, MAX_REQUEST_BYTES: "1" }, "MAX_REQUEST_BYTES"],
    [{ ...VALID, OAUTH_TENANT_CLAIM: "bad claim" }, "OAUTH_TENANT_CLAIM"],
  ])("fails closed, naming the variable (%#)", (env, variable) => {
    expect(variableOf(env)).toBe(variable);
  });

  it("accepts http loopback URLs only when the dev environment is explicit", () => {
    const local = {
      OAUTH_ISSUER: "http://127.0.0.1:8787/dev-issuer",
      OAUTH_AUDIENCE: "http://127.0.0.1:8787/mcp",
      OAUTH_JWKS: JWKS,
      AUDIT_SIGNING_KEY: env.AUDIT_SIGNING_KEY,
    };
    expect(variableOf(local)).toBe("OAUTH_AUDIENCE");
    expect(parseConfig({ ...local, ENVIRONMENT: "development" }).environment).toBe("development");
    expect(variableOf({ ...local, ENVIRONMENT: "development", OAUTH_AUDIENCE: "http://files.example.com/mcp" })).toBe(
      "OAUTH_AUDIENCE",
    );
  });

  it("parses origins, inline keys and numeric settings", () => {
    const config = parseConfig({
      ...VALID,
      OAUTH_JWKS_URL: undefined,
      OAUTH_JWKS: JWKS,
      ALLOWED_ORIGINS: "https://a.example.com, http://localhost:6274",
      MAX_REQUEST_BYTES: "2048",
      OAUTH_TENANT_CLAIM: "org_id",
    });
    expect(config.allowedOrigins).toEqual(["https://a.example.com", "http://localhost:6274"]);
    expect(config.jwks).toMatchObject({ kind: "inline" });
    expect(config.maxRequestBytes).toBe(2048);
    expect(config.tenantClaim).toBe("org_id");
  });

  it("never puts a variable's value in the error", () => {
    try {
      parseConfig({
        ...VALID,
        OAUTH_JWKS_URL: undefined,
        OAUTH_JWKS: '{"keys":[{"kty":"EC","d":"TOP-SECRET-MATERIAL"}]}',
      });
    } catch (error) {
      expect((error as Error).message).not.toContain("TOP-SECRET");
    }
  });

  it("takes LOG_LEVEL info (default) or warn, and names the variable for anything else", () => {
    expect(parseConfig(VALID).logLevel).toBe("info");
    expect(parseConfig({ ...VALID, LOG_LEVEL: "warn" }).logLevel).toBe("warn");
    expect(variableOf({ ...VALID, LOG_LEVEL: "debug" })).toBe("LOG_LEVEL");
    expect(variableOf({ ...VALID, LOG_LEVEL: "WARN" })).toBe("LOG_LEVEL");
  });
});
