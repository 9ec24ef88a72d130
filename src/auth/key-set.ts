/**
 * Where verification keys come from. A remote JWKS resolver is created once per isolate per URL and
 * shared between requests: it holds only public keys, and jose gives it a cache, a refetch cooldown and
 * a fetch timeout. Errors are sorted here into "the token names a key we do not have" (the caller's
 * problem, 401) and "we could not get the key set" (our outage, 503), by jose error code.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey } from "jose";
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

// Module scope is safe here: the cache holds public keys only and is keyed by URL, so tenants and
// requests cannot influence one another beyond warming the same public cache.
const remoteResolvers = new Map<string, JWTVerifyGetKey>();

function remoteResolver(url: URL, timeoutMs: number): JWTVerifyGetKey {
  const cacheKey = `${timeoutMs} ${url.href}`;
  let resolver = remoteResolvers.get(cacheKey);
  if (!resolver) {
    resolver = createRemoteJWKSet(url, {
      timeoutDuration: timeoutMs,
      // Unknown `kid` triggers a refetch at most every 30 s (key rotation), never per request.
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
    remoteResolvers.set(cacheKey, resolver);
  }
  return resolver;
}

export function createKeyResolver(source: JwksSource, timeoutMs: number): JWTVerifyGetKey {
  const resolve = source.kind === "remote" ? remoteResolver(source.url, timeoutMs) : createLocalJWKSet(source.keys as never);
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof errors.JOSEError && CALLER_FAULT_CODES.has(error.code)) throw error;
      // Network failure, timeout, non-200, unparsable key set: none of these is the caller's fault.
      throw new KeySetUnavailableError("verification key set unavailable", { cause: error });
    }
  };
}
