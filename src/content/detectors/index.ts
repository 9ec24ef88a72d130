/**
 * The default detector set, in the order the scan runs them (AWS key ids first: the secret-access-key
 * detector looks for them) and the precedence of their ids when two findings
 * overlap (earlier wins: the specific over the generic, a secret over personal data).
 */
import type { Category, Detector } from "../finding";
import { databaseUrl, passwordAssignments } from "./assignments";
import { iban } from "./bank-accounts";
import { awsSecretAccessKey, azureConnectionString } from "./cloud-credentials";
import { emailAddress, internationalPhone, northAmericanPhone } from "./contact";
import { usSsn } from "./national-ids";
import { paymentCard } from "./payment-cards";
import { gcpServiceAccount, privateKeys } from "./private-keys";
import { PREFIXED_TOKENS } from "./tokens";

export const DEFAULT_DETECTORS: readonly Detector[] = [
  ...PREFIXED_TOKENS,
  privateKeys,
  gcpServiceAccount,
  awsSecretAccessKey,
  azureConnectionString,
  databaseUrl,
  ...passwordAssignments,
  paymentCard,
  iban,
  usSsn,
  internationalPhone,
  northAmericanPhone,
  emailAddress,
];

/** Detector ids by precedence, highest first. */
export const DETECTOR_PRECEDENCE: readonly string[] = [
  "gcp-service-account",
  "private-key",
  "aws-access-key-id",
  "aws-secret-access-key",
  "azure-connection-string",
  "github-token",
  "gitlab-token",
  "slack-token",
  "stripe-live-key",
  "npm-token",
  "anthropic-api-key",
  "openai-api-key",
  "r2mcp-api-key",
  "jwt",
  "sk-api-key",
  "database-url",
  "password-assignment",
  "iban",
  "payment-card",
  "us-ssn",
  "phone-number",
  "email-address",
];

/** Every detector id with its category: what policies may name in `labels`. */
export const DETECTOR_CATEGORIES: ReadonlyMap<string, Category> = new Map(
  DEFAULT_DETECTORS.flatMap((detector) => detector.ids.map((id) => [id, detector.category] as const)),
);
