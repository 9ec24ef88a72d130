/**
 * Audit settings, parsed once per isolate as part of `parseConfig` (src/config/config.ts).
 *
 * - `AUDIT_SIGNING_KEY` (secret): the trail's Ed25519 private JWK. Required in every environment: a
 *   trail nobody can verify is no trail. `npm run dev` generates one into `.dev-keys/` (git-ignored);
 *   `npm run audit -- keygen` makes one for production. Missing → ConfigError naming it.
 * - `AUDIT_SINK_URL` + secret `AUDIT_SINK_TOKEN`: optional SIEM sink; the token is required with it.
 * - `ALERT_WEBHOOK_URL`: optional alert webhook (Slack-compatible).
 * - Detector thresholds: every one has a default (docs/audit.md) and a bounded range.
 */
import * as z from "zod";
import { ConfigError, type Environment } from "./config-error";
import { type PrivateJwk, privateJwkSchema } from "./ed25519-jwk";
import { parseSecureUrl, wholeNumber } from "./env-values";

export interface AuditEnv {
  AUDIT_SIGNING_KEY?: string;
  AUDIT_SINK_URL?: string;
  AUDIT_SINK_TOKEN?: string;
  ALERT_WEBHOOK_URL?: string;
  AUDIT_FAILED_AUTH_THRESHOLD?: string;
  AUDIT_FAILED_AUTH_WINDOW_SECONDS?: string;
  AUDIT_REFUSALS_THRESHOLD?: string;
  AUDIT_REFUSALS_WINDOW_SECONDS?: string;
  AUDIT_DELETES_THRESHOLD?: string;
  AUDIT_DELETES_WINDOW_SECONDS?: string;
  AUDIT_BYTES_READ_THRESHOLD?: string;
  AUDIT_BYTES_READ_WINDOW_SECONDS?: string;
  AUDIT_ALERT_COOLDOWN_SECONDS?: string;
}

export interface DetectorThreshold {
  readonly threshold: number;
  readonly windowSeconds: number;
}

export interface DetectorSettings {
  /** Failed authentications per IP and per subject. */
  readonly failedAuth: DetectorThreshold;
  /** Path, scope and policy refusals per principal (probing). */
  readonly refusals: DetectorThreshold;
  /** Successful deletes per tenant (mass deletion). */
  readonly deletes: DetectorThreshold;
  /** Bytes returned by read tools per principal (exfiltration). */
  readonly bytesRead: DetectorThreshold;
  /** Files with secrets or personal data read per principal (docs/sensitive-data.md). */
  readonly labelledReads: DetectorThreshold;
  /** At most one alert per detector and subject within this many seconds. */
  readonly cooldownSeconds: number;
}

export interface AuditConfig {
  readonly signingKey: PrivateJwk;
  readonly sink: { readonly url: string; readonly token: string } | undefined;
  readonly alertWebhookUrl: string | undefined;
  readonly detectors: DetectorSettings;
}

const MIB = 1024 * 1024;

export const DETECTOR_DEFAULTS = {
  AUDIT_FAILED_AUTH_THRESHOLD: 20,
  AUDIT_FAILED_AUTH_WINDOW_SECONDS: 300,
  AUDIT_REFUSALS_THRESHOLD: 20,
  AUDIT_REFUSALS_WINDOW_SECONDS: 300,
  AUDIT_DELETES_THRESHOLD: 100,
  AUDIT_DELETES_WINDOW_SECONDS: 600,
  AUDIT_BYTES_READ_THRESHOLD: 500 * MIB,
  AUDIT_BYTES_READ_WINDOW_SECONDS: 3600,
  AUDIT_LABELLED_READS_THRESHOLD: 50,
  AUDIT_LABELLED_READS_WINDOW_SECONDS: 600,
  AUDIT_ALERT_COOLDOWN_SECONDS: 3600,
} as const;

const d = DETECTOR_DEFAULTS;
// Counting detectors keep one entry per event in their window, so thresholds are capped at 10,000.
const detectorSchema = z.object({
  AUDIT_FAILED_AUTH_THRESHOLD: wholeNumber(1, 10_000, d.AUDIT_FAILED_AUTH_THRESHOLD),
  AUDIT_FAILED_AUTH_WINDOW_SECONDS: wholeNumber(10, 86_400, d.AUDIT_FAILED_AUTH_WINDOW_SECONDS),
  AUDIT_REFUSALS_THRESHOLD: wholeNumber(1, 10_000, d.AUDIT_REFUSALS_THRESHOLD),
  AUDIT_REFUSALS_WINDOW_SECONDS: wholeNumber(10, 86_400, d.AUDIT_REFUSALS_WINDOW_SECONDS),
  AUDIT_DELETES_THRESHOLD: wholeNumber(1, 10_000, d.AUDIT_DELETES_THRESHOLD),
  AUDIT_DELETES_WINDOW_SECONDS: wholeNumber(10, 86_400, d.AUDIT_DELETES_WINDOW_SECONDS),
  AUDIT_BYTES_READ_THRESHOLD: wholeNumber(1, 2 ** 50, d.AUDIT_BYTES_READ_THRESHOLD),
  AUDIT_BYTES_READ_WINDOW_SECONDS: wholeNumber(60, 7 * 86_400, d.AUDIT_BYTES_READ_WINDOW_SECONDS),
  AUDIT_LABELLED_READS_THRESHOLD: wholeNumber(1, 10_000, d.AUDIT_LABELLED_READS_THRESHOLD),
  AUDIT_LABELLED_READS_WINDOW_SECONDS: wholeNumber(10, 86_400, d.AUDIT_LABELLED_READS_WINDOW_SECONDS),
  AUDIT_ALERT_COOLDOWN_SECONDS: wholeNumber(0, 7 * 86_400, d.AUDIT_ALERT_COOLDOWN_SECONDS),
});

function parseSigningKey(raw: string | undefined): PrivateJwk {
  const value = raw?.trim();
  if (!value) {
    throw new ConfigError(
      "AUDIT_SIGNING_KEY",
      "is required (the audit trail's Ed25519 private JWK); create one with `npm run audit -- keygen`",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new ConfigError("AUDIT_SIGNING_KEY", 'must be an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519",…})');
  }
  const parsed = privateJwkSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      "AUDIT_SIGNING_KEY",
      'must be an Ed25519 private JWK ({"kty":"OKP","crv":"Ed25519","d","x"})',
    );
  }
  return parsed.data;
}

export function parseAuditConfig(env: AuditEnv, environment: Environment): AuditConfig {
  const signingKey = parseSigningKey(env.AUDIT_SIGNING_KEY);
  const sinkUrl = env.AUDIT_SINK_URL?.trim();
  const sinkToken = env.AUDIT_SINK_TOKEN?.trim();
  if (!sinkUrl && sinkToken) throw new ConfigError("AUDIT_SINK_URL", "is required when AUDIT_SINK_TOKEN is set");
  if (sinkUrl && !sinkToken) throw new ConfigError("AUDIT_SINK_TOKEN", "is required when AUDIT_SINK_URL is set");
  const webhook = env.ALERT_WEBHOOK_URL?.trim();
  const parsed = detectorSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const t = parsed.data;
  return {
    signingKey,
    sink: sinkUrl ? { url: parseSecureUrl("AUDIT_SINK_URL", sinkUrl, environment).href, token: sinkToken! } : undefined,
    alertWebhookUrl: webhook ? parseSecureUrl("ALERT_WEBHOOK_URL", webhook, environment).href : undefined,
    detectors: {
      failedAuth: { threshold: t.AUDIT_FAILED_AUTH_THRESHOLD, windowSeconds: t.AUDIT_FAILED_AUTH_WINDOW_SECONDS },
      refusals: { threshold: t.AUDIT_REFUSALS_THRESHOLD, windowSeconds: t.AUDIT_REFUSALS_WINDOW_SECONDS },
      deletes: { threshold: t.AUDIT_DELETES_THRESHOLD, windowSeconds: t.AUDIT_DELETES_WINDOW_SECONDS },
      bytesRead: { threshold: t.AUDIT_BYTES_READ_THRESHOLD, windowSeconds: t.AUDIT_BYTES_READ_WINDOW_SECONDS },
      labelledReads: {
        threshold: t.AUDIT_LABELLED_READS_THRESHOLD,
        windowSeconds: t.AUDIT_LABELLED_READS_WINDOW_SECONDS,
      },
      cooldownSeconds: t.AUDIT_ALERT_COOLDOWN_SECONDS,
    },
  };
}
