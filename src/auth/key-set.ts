/**
 * Where verification keys come from. A remote JWKS resolver is created once per isolate per URL and
 * shared between requests: it holds only public keys, and jose gives it a cache, a refetch cooldown and
 * a fetch timeout. Errors are sorted here into "the token names a key we do not have" (the caller's
 * problem, 401) and "we could not get the key set" (our outage, 503), by jose error code.
 *
 * After a failed fetch the resolver rests for FAILURE_COOLDOWN_MS: only keys already cached are used and
 * anything else is answered "unavailable" at once. jose's own cooldown counts from the last *successful*
 * fetch, so without this every token with an unknown `kid` (which costs an attacker nothing) would make
 * another fetch to an identity provider that is already failing, each waiting out the timeout.
 *
 * The fetch and the clock are passed in (jose's `customFetch`; `now` for our cooldown), so tests and other
 * runtimes need not patch globals. jose's own cache age and refetch cooldown still read `Date.now()`: its
 * remote key set has no clock option.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from "jose";
import type { JwksSource } from "../config/config";

export class KeySetUnavailableError extends Error {
  override readonly name = "KeySetUnavailableError";
  readonly code = "ERR_KEY_SET_UNAVAILABLE";
}

const CALLER_FAULT_CODES = new Set<string>([
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSEAlgNotAllowed.code,
]);

export const FAILURE_COOLDOWN_MS = 5_000;

interface RemoteEntry {
  readonly resolver: RemoteJWKSet;
  /** Epoch ms of the last failed fetch, if any. */
  failedAt: number | undefined;
}

export interface KeySetOptions {
  readonly timeoutMs: number;
  /** The JWKS fetch (default: the runtime's global `fetch`, looked up per call). */
  readonly fetch?: FetchImplementation;
  /** Epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

const globalFetch: FetchImplementation = (url, options) => fetch(url, options);

// Module scope is safe here: the cache holds public keys only and is keyed by fetch and URL, so tenants
// and requests cannot influence one another beyond warming the same public cache.
const remoteEntries = new WeakMap<FetchImplementation, Map<string, RemoteEntry>>();

function remoteEntry(url: URL, timeoutMs: number, fetchKeys: FetchImplementation): RemoteEntry {
  let entries = remoteEntries.get(fetchKeys);
  if (!entries) {
    entries = new Map();
    remoteEntries.set(fetchKeys, entries);
  }
  const cacheKey = `${timeoutMs} ${url.href}`;
  let entry = entries.get(cacheKey);
  if (!entry) {
    entry = {
      resolver: createRemoteJWKSet(url, {
        [customFetch]: fetchKeys,
        timeoutDuration: timeoutMs,
        // Unknown `kid` triggers a refetch at most every 30 s (key rotation), never per request.
        cooldownDuration: 30_000,
        cacheMaxAge: 10 * 60_000,
      }),
      failedAt: undefined,
    };
    entries.set(cacheKey, entry);
  }
  return entry;
}

function unavailable(cause?: unknown): KeySetUnavailableError {
  return new KeySetUnavailableError("verification key set unavailable", { cause });
}

/** During the failure cooldown: cached keys only, and no fetch. */
async function fromCacheOnly(
  entry: RemoteEntry,
  ...args: Parameters<JWTVerifyGetKey>
): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
  const cached = entry.resolver.jwks();
  if (!cached) throw unavailable();
  try {
    return await createLocalJWKSet(cached)(...args);
  } catch (error) {
    // A kid we do not have might be a rotation we cannot fetch right now: our outage, not a bad token.
    if (error instanceof errors.JOSEError && error.code === errors.JWKSNoMatchingKey.code) throw unavailable(error);
    throw error;
  }
}

function remoteResolver(url: URL, options: KeySetOptions): JWTVerifyGetKey {
  const entry = remoteEntry(url, options.timeoutMs, options.fetch ?? globalFetch);
  const now = options.now ?? Date.now;
  return async (header, token) => {
    if (entry.failedAt !== undefined && now() - entry.failedAt < FAILURE_COOLDOWN_MS)
      return fromCacheOnly(entry, header, token);
    try {
      return await entry.resolver(header, token);
    } catch (error) {
      if (!(error instanceof errors.JOSEError && CALLER_FAULT_CODES.has(error.code))) entry.failedAt = now();
      throw error;
    }
  };
}

export function createKeyResolver(source: JwksSource, options: KeySetOptions): JWTVerifyGetKey {
  const resolve =
    source.kind === "remote" ? remoteResolver(source.url, options) : createLocalJWKSet(source.keys as never);
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && CALLER_FAULT_CODES.has(error.code)) throw error;
      // Network failure, timeout, non-200, unparsable key set: none of these is the caller's fault.
      throw unavailable(error);
    }
  };
}
