/**
 * API keys: the key format, the stored record and the secret's hash. Shared by the Worker (verification)
 * and the operator command (`npm run keys`, scripts/keys.mjs, which imports this file directly through
 * Node's type stripping), so both sides agree byte for byte. Only package imports on purpose: Node
 * cannot resolve this project's extensionless relative imports.
 *
 * Format `r2mcp_<keyId>_<secret>`: keyId is 16 and the secret at least 32 characters of [A-Za-z0-9]
 * (≥ 190 bits from a CSPRNG). The fixed prefix lets secret scanners recognise a leaked key, and with no
 * dot in it a key never looks like a JWT (verifiers are chosen by shape).
 *
 * Stored in KV (binding API_KEYS) under `key:<keyId>`: the record as the value, with the secret only as a
 * SHA-256 hash (the secret is random and long, so a fast hash is enough: there is nothing to brute-force
 * in a dictionary). The same record minus every hash is the KV metadata, so `keys list` never reads a
 * hash. A rotation keeps the keyId (limits and audit follow the key across rotations) and keeps the
 * previous secret's hash with a `notAfter` for the grace period.
 */
import { base64url } from "jose";
import * as z from "zod";

export const API_KEY_PREFIX = "r2mcp_";
export const KEY_ID_LENGTH = 16;
export const SECRET_LENGTH = 40;
export const MIN_SECRET_LENGTH = 32;
/** Longest accepted secret: generous for other generators, bounded so hashing stays cheap. */
const MAX_SECRET_LENGTH = 128;
const API_KEY = /^r2mcp_([A-Za-z0-9]{16})_([A-Za-z0-9]{32,128})$/;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: string;
}

export function isApiKeyShaped(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function parseApiKey(token: string): ParsedApiKey | undefined {
  const match = API_KEY.exec(token);
  if (!match?.[1] || !match[2] || match[2].length > MAX_SECRET_LENGTH) return undefined;
  return { keyId: match[1], secret: match[2] };
}

/** Uniform over the alphabet: bytes ≥ 248 (= 4 × 62) are rejected instead of taken modulo 62. */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export function formatApiKey(keyId: string, secret: string): string {
  return `${API_KEY_PREFIX}${keyId}_${secret}`;
}

export function kvKeyOf(keyId: string): string {
  return `key:${keyId}`;
}

/** SHA-256 over a domain-separated input, base64url. */
export async function hashSecret(keyId: string, secret: string): Promise<string> {
  const input = new TextEncoder().encode(`r2mcp-api-key-v1\0${keyId}\0${secret}`);
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", input)));
}

/** A SHA-256 certificate fingerprint as lowercase hex (Cloudflare's `certFingerprintSHA256` form). */
export const certificateFingerprint = z
  .string()
  .trim()
  .transform((value) => value.replace(/:/g, "").toLowerCase())
  .pipe(z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 fingerprint (64 hex digits)"));

const epochSeconds = z.number().int().nonnegative();

const storedSecret = z.object({
  hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** Epoch seconds after which this secret no longer works (set on the previous secret by a rotation). */
  notAfter: epochSeconds.optional(),
});

const listing = {
  keyId: z.string().regex(/^[A-Za-z0-9]{16}$/),
  tenant: z.string().min(1).max(128),
  subject: z.string().min(1).max(128),
  scopes: z.array(z.string().min(1).max(64)).max(16),
  role: z.string().min(1).max(64).optional(),
  label: z.string().max(100).optional(),
  /** Lowercase hex SHA-256 of the client certificate this key is bound to (RFC 8705 style). */
  certificateThumbprint: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  createdAt: epochSeconds,
  expiresAt: epochSeconds.optional(),
  revokedAt: epochSeconds.optional(),
  rotatedAt: epochSeconds.optional(),
};

export const apiKeyListingSchema = z.object({ v: z.literal(1), ...listing });
export const apiKeyRecordSchema = z.object({
  v: z.literal(1),
  ...listing,
  /** The current secret first; at most one previous secret, inside its grace period. */
  secrets: z.array(storedSecret).min(1).max(2),
});

export type ApiKeyListing = z.infer<typeof apiKeyListingSchema>;
export type ApiKeyRecord = z.infer<typeof apiKeyRecordSchema>;

/** What `keys list` prints and what KV metadata holds: everything but the hashes. */
export function toListing(record: ApiKeyRecord): ApiKeyListing {
  const { secrets: _secrets, ...rest } = record;
  return rest;
}

export type ApiKeyState = "active" | "expired" | "revoked";

export function stateOf(record: ApiKeyListing, nowSeconds: number): ApiKeyState {
  if (record.revokedAt !== undefined && record.revokedAt <= nowSeconds) return "revoked";
  if (record.expiresAt !== undefined && record.expiresAt <= nowSeconds) return "expired";
  return "active";
}

export interface NewApiKey {
  readonly key: string;
  readonly record: ApiKeyRecord;
}

export interface NewApiKeyInput {
  readonly tenant: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly role?: string | undefined;
  readonly label?: string | undefined;
  readonly certificateThumbprint?: string | undefined;
  readonly expiresInSeconds?: number | undefined;
}

/** A fresh key and its record (validated); `nowSeconds` is the creation time. */
export async function createApiKeyRecord(input: NewApiKeyInput, nowSeconds: number): Promise<NewApiKey> {
  const keyId = randomToken(KEY_ID_LENGTH);
  const secret = randomToken(SECRET_LENGTH);
  const record = apiKeyRecordSchema.parse({
    v: 1,
    keyId,
    tenant: input.tenant,
    subject: input.subject,
    scopes: [...input.scopes],
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(input.certificateThumbprint !== undefined ? { certificateThumbprint: input.certificateThumbprint } : {}),
    createdAt: nowSeconds,
    ...(input.expiresInSeconds !== undefined ? { expiresAt: nowSeconds + input.expiresInSeconds } : {}),
    secrets: [{ hash: await hashSecret(keyId, secret) }],
  });
  return { key: formatApiKey(keyId, secret), record };
}

/**
 * A new secret for the same keyId. Only the secret being replaced keeps working, until
 * `nowSeconds + graceSeconds`; an older previous secret ends now.
 */
export async function rotateApiKeyRecord(
  record: ApiKeyRecord,
  graceSeconds: number,
  nowSeconds: number,
): Promise<NewApiKey> {
  const secret = randomToken(SECRET_LENGTH);
  const [current] = record.secrets;
  const rotated = apiKeyRecordSchema.parse({
    ...record,
    rotatedAt: nowSeconds,
    secrets: [
      { hash: await hashSecret(record.keyId, secret) },
      ...(current ? [{ hash: current.hash, notAfter: nowSeconds + graceSeconds }] : []),
    ],
  });
  return { key: formatApiKey(record.keyId, secret), record: rotated };
}

export function revokeApiKeyRecord(record: ApiKeyRecord, nowSeconds: number): ApiKeyRecord {
  return record.revokedAt !== undefined ? record : { ...record, revokedAt: nowSeconds };
}
