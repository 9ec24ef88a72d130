/**
 * A bounded per-isolate memory of tokens that already passed full verification, so an agent's next
 * requests with the same token skip the signature check (about 0.3 ms of CPU each).
 *
 * Invariants:
 * - Keyed by SHA-256 of the token: the token itself is never kept, and no prefix of it can collide.
 * - An entry is trusted until the earlier of the token's `exp` and TRUST_SECONDS after it was verified,
 *   and `exp`/`nbf` are re-checked against the clock on every hit with the verifier's tolerance (the
 *   same rule jose applies), so a cached token never outlives what a fresh verification would allow.
 * - An entry remembers the audience it was verified for and is only ever returned for that audience
 *   (RFC 8707: a token for another resource must not be accepted here, cached or not).
 * - Only successes are remembered; every refusal is decided by the full verifier each time, so reasons
 *   in the audit log stay exact. A miss, an expiry or an evicted entry simply verifies again.
 * - Module-scope sharing is safe: an entry is reachable only by presenting the very same token.
 * The trust window bounds how long a key removed from the key set keeps working for tokens it signed
 * that were seen before its removal (the remote key set's own cache already allows similar staleness).
 */
import { decodeJwt } from "jose";
import type { AuthResult } from "./auth-failure";
import type { CredentialVerifier } from "./credential-verifier";
import type { Principal } from "./principal";

/** How long a verified token is trusted without verifying it again (capped by its `exp`). */
export const TRUST_SECONDS = 120;
export const MAX_CACHED_TOKENS = 1_000;

interface Entry {
  readonly principal: Principal;
  readonly audience: string;
  /** Seconds since the epoch (JWT NumericDate). */
  readonly exp: number;
  readonly nbf: number | undefined;
  /** Epoch ms after which the entry is verified again. */
  readonly trustedUntilMs: number;
}

export interface VerifiedTokenCacheOptions {
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  readonly maxEntries?: number;
  readonly trustSeconds?: number;
}

export interface CachingJwtVerifier extends CredentialVerifier {
  /** Entries currently held (for tests and diagnostics). */
  size(): number;
}

const encoder = new TextEncoder();

async function tokenDigest(token: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  let key = "";
  for (const byte of bytes) key += String.fromCharCode(byte);
  return key;
}

/** RFC 7519 §4.1.4/§4.1.5 with the verifier's leeway, exactly as a fresh jwtVerify would judge them. */
function stillValid(entry: Entry, nowMs: number, toleranceSeconds: number): boolean {
  const now = Math.floor(nowMs / 1000);
  if (entry.exp <= now - toleranceSeconds) return false;
  if (entry.nbf !== undefined && entry.nbf > now + toleranceSeconds) return false;
  return nowMs < entry.trustedUntilMs;
}

function numericClaim(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Wraps a full verifier with the cache; `verify` answers exactly what the inner verifier would. */
export function withVerifiedTokenCache(
  inner: CredentialVerifier,
  options: VerifiedTokenCacheOptions,
): CachingJwtVerifier {
  const maxEntries = options.maxEntries ?? MAX_CACHED_TOKENS;
  const trustMs = (options.trustSeconds ?? TRUST_SECONDS) * 1000;
  const entries = new Map<string, Entry>();

  const remember = (key: string, principal: Principal, token: string, nowMs: number) => {
    // The token verified, so its payload decodes; exp is required by the verifier.
    const payload = decodeJwt(token);
    const exp = numericClaim(payload.exp);
    if (exp === undefined) return;
    entries.delete(key);
    entries.set(key, {
      principal,
      audience: options.audience,
      exp,
      nbf: numericClaim(payload.nbf),
      trustedUntilMs: Math.min(nowMs + trustMs, exp * 1000 + options.clockToleranceSeconds * 1000),
    });
    // Map order is insertion order and hits re-insert: the first key is the least recently used.
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    kind: inner.kind,
    matches: inner.matches,
    async verify(token, now): Promise<AuthResult<Principal>> {
      const nowMs = (now ?? new Date()).getTime();
      const key = await tokenDigest(token);
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key);
        if (hit.audience === options.audience && stillValid(hit, nowMs, options.clockToleranceSeconds)) {
          entries.set(key, hit);
          return { ok: true, value: hit.principal };
        }
      }
      const result = await inner.verify(token, now);
      if (result.ok) remember(key, result.value, token, nowMs);
      return result;
    },
    size: () => entries.size,
  };
}
