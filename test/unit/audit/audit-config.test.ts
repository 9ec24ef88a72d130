/** Audit settings fail closed, naming the variable; URL settings follow the one https rule. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type AuditEnv, DETECTOR_DEFAULTS, parseAuditConfig } from "../../../src/config/audit-config";
import { ConfigError, type Environment } from "../../../src/config/config-error";

const KEY = env.AUDIT_SIGNING_KEY!;

function variableOf(auditEnv: AuditEnv, environment: Environment = "production"): string | undefined {
  try {
    parseAuditConfig(auditEnv, environment);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    // The value is never echoed: neither the key nor the token appear in the message.
    expect((error as Error).message).not.toContain(JSON.parse(KEY).d);
    expect((error as Error).message).not.toContain("sink-secret");
    return (error as ConfigError).variable;
  }
}

describe("parseAuditConfig", () => {
  it("parses the defaults", () => {
    const config = parseAuditConfig({ AUDIT_SIGNING_KEY: KEY }, "production");
    expect(config.sink).toBeUndefined();
    expect(config.alertWebhookUrl).toBeUndefined();
    expect(config.detectors).toEqual({
      failedAuth: { threshold: 20, windowSeconds: 300 },
      refusals: { threshold: 20, windowSeconds: 300 },
      deletes: { threshold: 100, windowSeconds: 600 },
      bytesRead: { threshold: DETECTOR_DEFAULTS.AUDIT_BYTES_READ_THRESHOLD, windowSeconds: 3600 },
      labelledReads: { threshold: 50, windowSeconds: 600 },
      cooldownSeconds: 3600,
    });
  });

  it.each<[AuditEnv, string, Environment?]>([
    [{}, "AUDIT_SIGNING_KEY"],
    [{}, "AUDIT_SIGNING_KEY", "development"],
    [{ AUDIT_SIGNING_KEY: "not json" }, "AUDIT_SIGNING_KEY"],
    [{ AUDIT_SIGNING_KEY: JSON.stringify({ ...JSON.parse(KEY), d: undefined }) }, "AUDIT_SIGNING_KEY"],
    [{ AUDIT_SIGNING_KEY: '{"kty":"EC","crv":"P-256","d":"x","x":"y"}' }, "AUDIT_SIGNING_KEY"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_SINK_URL: "https://siem.example.com/in" }, "AUDIT_SINK_TOKEN"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_SINK_TOKEN: "sink-secret" }, "AUDIT_SINK_URL"],
    [
      { AUDIT_SIGNING_KEY: KEY, AUDIT_SINK_URL: "http://siem.example.com/in", AUDIT_SINK_TOKEN: "sink-secret" },
      "AUDIT_SINK_URL",
    ],
    [
      { AUDIT_SIGNING_KEY: KEY, AUDIT_SINK_URL: "http://127.0.0.1:8832/", AUDIT_SINK_TOKEN: "sink-secret" },
      "AUDIT_SINK_URL",
    ],
    [
      { AUDIT_SIGNING_KEY: KEY, AUDIT_SINK_URL: "http://10.0.0.1/", AUDIT_SINK_TOKEN: "t" },
      "AUDIT_SINK_URL",
      "development",
    ],
    [{ AUDIT_SIGNING_KEY: KEY, ALERT_WEBHOOK_URL: "http://hooks.example.com/x" }, "ALERT_WEBHOOK_URL"],
    [{ AUDIT_SIGNING_KEY: KEY, ALERT_WEBHOOK_URL: "not a url" }, "ALERT_WEBHOOK_URL"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_FAILED_AUTH_THRESHOLD: "20/5m" }, "AUDIT_FAILED_AUTH_THRESHOLD"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_FAILED_AUTH_THRESHOLD: "0" }, "AUDIT_FAILED_AUTH_THRESHOLD"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_DELETES_THRESHOLD: "20000" }, "AUDIT_DELETES_THRESHOLD"],
    [{ AUDIT_SIGNING_KEY: KEY, AUDIT_BYTES_READ_WINDOW_SECONDS: "-1" }, "AUDIT_BYTES_READ_WINDOW_SECONDS"],
  ])("fails closed, naming the variable (%#)", (auditEnv, variable, environment) => {
    expect(variableOf(auditEnv, environment)).toBe(variable);
  });

  it("accepts http only to loopback and only in development", () => {
    const config = parseAuditConfig(
      {
        AUDIT_SIGNING_KEY: KEY,
        AUDIT_SINK_URL: "http://127.0.0.1:8832/ingest",
        AUDIT_SINK_TOKEN: "sink-secret",
        ALERT_WEBHOOK_URL: "http://localhost:8833/hook",
        AUDIT_ALERT_COOLDOWN_SECONDS: "60",
      },
      "development",
    );
    expect(config.sink).toEqual({ url: "http://127.0.0.1:8832/ingest", token: "sink-secret" });
    expect(config.alertWebhookUrl).toBe("http://localhost:8833/hook");
    expect(config.detectors.cooldownSeconds).toBe(60);
  });
});
