/**
 * Redis key names for limits, quotas and storage. The only place that builds them.
 *
 *   r2mcp:v1:rl:ip:<h>:<window index>   r2mcp:v1:rl:ip:<h>:strikes   r2mcp:v1:rl:ip:<h>:block
 *   r2mcp:v1:rl:sub:<h>:…               (principal: credential kind + subject)
 *   (the window counters are @upstash/ratelimit's own keys: prefix `r2mcp:v1:rl`, identifier `ip:<h>`)
 *   r2mcp:v1:quota:<h>:<YYYYMMDD>:<writes|deletes|bytesWritten>      (tenant, UTC day)
 *   r2mcp:v1:quota:sub:<h>:<YYYYMMDD>:bytesRead                     (principal, UTC day)
 *   r2mcp:v1:storage:<h>                                             (tenant, live bytes)
 *   r2mcp:v1:dpop:<h>                                                (DPoP proof key + jti, seen once)
 *
 * `<h>` is the first 128 bits of SHA-256 over "<kind>\0<identifier>", hex. Why hash: client IPs and
 * subjects (often e-mail addresses) stay out of Redis dumps and the Upstash console, keys have a fixed
 * length whatever a claim holds, and no claim value can inject ':' into a key. It is pseudonymisation,
 * not secrecy: an IPv4 hash can be reversed by trying all addresses. Tokens are never keyed on.
 */
import { toHex } from "../encoding/hex";
import { createBoundedMemo } from "./bounded-memo";
import { type QuotaName, utcDay } from "./decisions";

const PREFIX = "r2mcp:v1";
/** @upstash/ratelimit's `prefix`: the library appends `:<identifier>:<window index>`. */
export const RATE_LIMIT_PREFIX = `${PREFIX}:rl`;
const encoder = new TextEncoder();

/** Distinct identities remembered per isolate; a miss only costs one SHA-256 again. */
const MEMO_ENTRIES = 4_096;

// Every request needs the digests of its IP, principal and tenant, and the same callers come back.
const memoDigest = createBoundedMemo(async (input: string) => {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(input)));
  return toHex(bytes.subarray(0, 16));
}, MEMO_ENTRIES);

function digest(kind: string, identifier: string): Promise<string> {
  return memoDigest(`${kind}\0${identifier}`);
}

export async function ipKey(ip: string): Promise<string> {
  return `${RATE_LIMIT_PREFIX}:ip:${await digest("ip", ip)}`;
}

export async function principalKey(credentialKind: string, subject: string): Promise<string> {
  return `${RATE_LIMIT_PREFIX}:sub:${await principalHash(credentialKind, subject)}`;
}

export function principalHash(credentialKind: string, subject: string): Promise<string> {
  return digest("sub", `${credentialKind}\0${subject}`);
}

export async function tenantHash(tenant: string): Promise<string> {
  return digest("tenant", tenant);
}

export function quotaKey(tenantHashed: string, now: number, name: QuotaName): string {
  return `${PREFIX}:quota:${tenantHashed}:${utcDay(now)}:${name}`;
}

/** The exfiltration budget is the principal's, not the tenant's: one key per principal and UTC day. */
export function principalQuotaKey(principalHashed: string, now: number, name: QuotaName): string {
  return `${PREFIX}:quota:sub:${principalHashed}:${utcDay(now)}:${name}`;
}

export function storageKey(tenantHashed: string): string {
  return `${PREFIX}:storage:${tenantHashed}`;
}

/** DPoP proofs already seen (RFC 9449 §11.1): one key per proof key and `jti`, hashed to a fixed length. */
export async function dpopReplayKey(jkt: string, jti: string): Promise<string> {
  return `${PREFIX}:dpop:${await digest("dpop", `${jkt}\0${jti}`)}`;
}

/** Confirmations already used (src/policy/confirmation.ts): the nonce is random, so it is the key as is. */
export function usedConfirmationKey(nonce: string): string {
  return `${PREFIX}:confirmed:${nonce}`;
}
