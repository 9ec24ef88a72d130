import { env as workersEnv } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/config";
import { ConfigError } from "../../../src/config/config-error";
import { parsePolicy } from "../../../src/policy/policy";
import { EXAMPLE_POLICY } from "./example-policy";

const base = { version: 1 };

describe("parsePolicy", () => {
  it("accepts the issue's example as written, with its defaults", () => {
    const result = parsePolicy(JSON.stringify(EXAMPLE_POLICY));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.policy.rolesClaim).toBe("roles");
    expect(result.policy.toolsList).toBe("permitted");
    expect(result.policy.rules.map((compiled) => compiled.rule.id)).toEqual([
      "no-dotenv",
      "archive-read-only",
      "fresh-login-to-delete",
      "confirm-purge",
    ]);
  });

  it("defaults: roles claim 'roles', toolsList 'all', no rules", () => {
    const result = parsePolicy(JSON.stringify(base));
    expect(result).toMatchObject({ ok: true, policy: { rolesClaim: "roles", toolsList: "all", rules: [] } });
  });

  it.each<[string, unknown, string]>([
    ["not JSON", "{", "is not valid JSON"],
    ["a missing version", {}, "version"],
    ["version 2", { version: 2 }, "version"],
    ["an unknown top-level field", { ...base, rule: [] }, "rule"],
    ["a misspelt rule field", { ...base, rules: [{ id: "a", effect: "deny", unlesRoles: ["x"] }] }, "unlesRoles"],
    ["an unknown effect", { ...base, rules: [{ id: "a", effect: "allow" }] }, "rules.0.effect"],
    ["an unknown action", { ...base, rules: [{ id: "a", effect: "deny", actions: ["execute"] }] }, "rules.0.actions.0"],
    ["an unknown scope in a role", { ...base, roles: { x: ["files:admin"] } }, "roles.x.0"],
    [
      "a step-up with no condition",
      { ...base, rules: [{ id: "a", effect: "step-up" }] },
      "maxAuthAgeSeconds, acrValues or both",
    ],
    ["a limit without maxWriteBytes", { ...base, rules: [{ id: "a", effect: "limit" }] }, "maxWriteBytes"],
    [
      "a negative maxAuthAgeSeconds",
      { ...base, rules: [{ id: "a", effect: "step-up", maxAuthAgeSeconds: -1 }] },
      "maxAuthAgeSeconds",
    ],
    [
      "duplicate rule ids",
      {
        ...base,
        rules: [
          { id: "a", effect: "deny" },
          { id: "a", effect: "confirm" },
        ],
      },
      'duplicate rule id "a"',
    ],
    [
      "an undeclared role in a rule",
      { ...base, rules: [{ id: "a", effect: "deny", unlessRoles: ["admin"] }] },
      'unknown role "admin"',
    ],
    ["an undeclared default role", { ...base, defaultRoles: ["viewer"] }, 'unknown role "viewer"'],
    [
      "an absolute glob",
      { ...base, rules: [{ id: "a", effect: "deny", paths: ["/archive/**"] }] },
      "relative to the tenant root",
    ],
    ["a negated glob", { ...base, rules: [{ id: "a", effect: "deny", paths: ["!archive/**"] }] }, "negated"],
    [
      "a glob that expands too far",
      { ...base, rules: [{ id: "a", effect: "deny", paths: ["{a,b}".repeat(10)] }] },
      "rules[0] (a).paths[0]",
    ],
    ["an id with spaces", { ...base, rules: [{ id: "no dotenv", effect: "deny" }] }, "rules.0.id"],
    ["toolsList 'some'", { ...base, toolsList: "some" }, "toolsList"],
  ])("refuses %s, saying where", (_name, document, expected) => {
    const result = parsePolicy(typeof document === "string" ? document : JSON.stringify(document));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toContain(expected);
  });
});

describe("ACCESS_POLICY in the configuration", () => {
  const env = {
    OAUTH_ISSUER: "https://issuer.example.com/",
    OAUTH_AUDIENCE: "https://files.example.com/mcp",
    OAUTH_JWKS_URL: "https://issuer.example.com/jwks.json",
    UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
    UPSTASH_REDIS_REST_TOKEN: "upstash-token",
    AUDIT_SIGNING_KEY: workersEnv.AUDIT_SIGNING_KEY,
  };

  it("absent or blank → scopes only", () => {
    expect(parseConfig(env).policy.source).toBe("none");
    expect(parseConfig({ ...env, ACCESS_POLICY: "  " }).policy.source).toBe("none");
  });

  it("valid → compiled", () => {
    expect(
      parseConfig({ ...env, ACCESS_POLICY: JSON.stringify(EXAMPLE_POLICY), CONFIRMATION_SECRET: "s".repeat(32) }).policy
        .source,
    ).toBe("document");
  });

  it("invalid → ConfigError naming ACCESS_POLICY, never echoing the document", () => {
    const secretish = JSON.stringify({ version: 1, note: "s3cr3t-value" });
    expect(() => parseConfig({ ...env, ACCESS_POLICY: secretish })).toThrow(ConfigError);
    try {
      parseConfig({ ...env, ACCESS_POLICY: secretish });
    } catch (error) {
      expect((error as ConfigError).variable).toBe("ACCESS_POLICY");
      expect((error as Error).message).not.toContain("s3cr3t-value");
    }
  });
});

describe("CONFIRMATION_SECRET", () => {
  const env = {
    OAUTH_ISSUER: "https://issuer.example.com/",
    OAUTH_AUDIENCE: "https://files.example.com/mcp",
    OAUTH_JWKS_URL: "https://issuer.example.com/jwks.json",
    UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
    UPSTASH_REDIS_REST_TOKEN: "upstash-token",
    AUDIT_SIGNING_KEY: workersEnv.AUDIT_SIGNING_KEY,
    ACCESS_POLICY: JSON.stringify(EXAMPLE_POLICY),
  };
  const variableOf = (overrides: Record<string, string | undefined>) => {
    try {
      parseConfig({ ...env, ...overrides });
      return undefined;
    } catch (error) {
      return (error as ConfigError).variable;
    }
  };

  it("is required in production when a rule confirms, and not otherwise", () => {
    expect(variableOf({})).toBe("CONFIRMATION_SECRET");
    expect(variableOf({ ACCESS_POLICY: JSON.stringify({ version: 1 }) })).toBeUndefined();
    expect(parseConfig({ ...env, ACCESS_POLICY: undefined }).confirmationSecret).toBeUndefined();
  });

  it("must be long enough", () => {
    expect(variableOf({ CONFIRMATION_SECRET: "short" })).toBe("CONFIRMATION_SECRET");
    expect(parseConfig({ ...env, CONFIRMATION_SECRET: "x".repeat(32) }).confirmationSecret).toBe("x".repeat(32));
  });

  it("is generated in development (never the same twice)", () => {
    const dev = {
      ...env,
      ENVIRONMENT: "development",
      UPSTASH_REDIS_REST_URL: undefined,
      UPSTASH_REDIS_REST_TOKEN: undefined,
    };
    const first = parseConfig(dev).confirmationSecret;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(parseConfig(dev).confirmationSecret).not.toBe(first);
  });
});
