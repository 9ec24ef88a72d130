/**
 * The request state of a confirmation (MCP 2026-07-28 `input_required` → `requestState`): what the
 * server asked a human to confirm, sealed so the client can carry it back but not forge or reuse it for
 * another call. Stateless: nothing is stored between the two round trips.
 *
 * Format `v1.<payload>.<mac>` (base64url): the payload is JSON naming the caller (tenant, subject,
 * client), the tool, a SHA-256 of the parsed arguments (canonical JSON: keys sorted), the rule, a
 * SHA-256 of the exact text the human saw, and an expiry; the MAC is HMAC-SHA-256 over `v1.<payload>`
 * with CONFIRMATION_SECRET, checked in constant time (WebCrypto `verify`). Within its expiry the
 * identical call may be sent again with the same state (there is no store to make it single-use);
 * the summary hash makes the server ask again when what would happen has changed (more trash to purge).
 */
import { base64url } from "jose";
import { hexDigest } from "../encoding/hex";

/** How long a human has to answer; the state is refused after it. */
export const CONFIRMATION_TTL_SECONDS = 600;
const PREFIX = "v1.";
const MAX_STATE_LENGTH = 4096;
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** What a confirmation is bound to. */
export interface ConfirmationBinding {
  readonly tenant: string;
  readonly subject: string;
  readonly clientId: string | undefined;
  readonly tool: string;
  /** `hashArguments` of the parsed input. */
  readonly argumentsHash: string;
  readonly rule: string;
}

export interface ConfirmationClaims extends ConfirmationBinding {
  /** SHA-256 of the text the human confirmed. */
  readonly summaryHash: string;
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

export type OpenedConfirmation =
  | { readonly ok: true; readonly claims: ConfirmationClaims }
  | { readonly ok: false; readonly reason: "malformed" | "bad_signature" | "expired" | "other_call" };

export async function importConfirmationKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Order-independent hash of a call's parsed arguments. */
export function hashArguments(input: unknown): Promise<string> {
  return hexDigest("SHA-256", canonicalJson(input));
}

export function hashSummary(summary: string): Promise<string> {
  return hexDigest("SHA-256", summary);
}

export async function sealConfirmation(
  key: CryptoKey,
  binding: ConfirmationBinding,
  summary: string,
  now: number,
): Promise<string> {
  const claims: ConfirmationClaims = {
    ...binding,
    summaryHash: await hashSummary(summary),
    expiresAt: now + CONFIRMATION_TTL_SECONDS,
  };
  const signed = PREFIX + base64url.encode(JSON.stringify(claims));
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(signed)));
  return `${signed}.${base64url.encode(mac)}`;
}

function sameBinding(claims: ConfirmationClaims, expected: ConfirmationBinding): boolean {
  return (
    claims.tenant === expected.tenant &&
    claims.subject === expected.subject &&
    (claims.clientId ?? null) === (expected.clientId ?? null) &&
    claims.tool === expected.tool &&
    claims.argumentsHash === expected.argumentsHash &&
    claims.rule === expected.rule
  );
}

/** Verifies the MAC first, then expiry, then that the state was issued for exactly this call. */
export async function openConfirmation(
  key: CryptoKey,
  state: unknown,
  expected: ConfirmationBinding,
  now: number,
): Promise<OpenedConfirmation> {
  if (typeof state !== "string" || state.length > MAX_STATE_LENGTH || !state.startsWith(PREFIX)) {
    return { ok: false, reason: "malformed" };
  }
  const dot = state.lastIndexOf(".");
  const signed = state.slice(0, dot);
  let mac: Uint8Array;
  let claims: ConfirmationClaims;
  try {
    mac = base64url.decode(state.slice(dot + 1));
    if (!(await crypto.subtle.verify("HMAC", key, mac, encoder.encode(signed)))) {
      return { ok: false, reason: "bad_signature" };
    }
    claims = JSON.parse(strictUtf8.decode(base64url.decode(signed.slice(PREFIX.length)))) as ConfirmationClaims;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims !== "object" || claims === null || typeof claims.expiresAt !== "number") {
    return { ok: false, reason: "malformed" };
  }
  if (now > claims.expiresAt) return { ok: false, reason: "expired" };
  if (!sameBinding(claims, expected)) return { ok: false, reason: "other_call" };
  return { ok: true, claims };
}
