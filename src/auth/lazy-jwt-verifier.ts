/**
 * The JWT verifier (jose, the JWKS cache, the verified-token cache) built with the first JWT an isolate
 * sees, not at module load: an API key, a missing credential or a request that never reaches
 * authentication does not load jose (docs/performance.md, "Startup"). The shape test stays synchronous
 * and pure, so which verifier a credential goes to is decided exactly as before.
 *
 * Built once per isolate state, so the key set and the token cache are shared by every request after
 * the first. A failed load rejects `verify`: the request fails closed (500), never authenticated.
 */
import type { Config } from "../config/config";
import { loadOnce } from "../loading/load-once";
import { type CredentialVerifier, looksLikeJwt } from "./credential-verifier";

async function buildJwtVerifier(config: Config): Promise<CredentialVerifier> {
  const [{ createJwtVerifier }, { withVerifiedTokenCache }] = await Promise.all([
    import("./jwt-verifier"),
    import("./verified-token-cache"),
  ]);
  return withVerifiedTokenCache(createJwtVerifier(config), {
    audience: config.audience,
    clockToleranceSeconds: config.clockToleranceSeconds,
  });
}

export function createLazyJwtVerifier(
  config: Config,
  build: (config: Config) => Promise<CredentialVerifier> = buildJwtVerifier,
): CredentialVerifier {
  const verifier = loadOnce(() => build(config));
  return {
    kind: "jwt",
    matches: looksLikeJwt,
    verify: async (token, now) => (await verifier()).verify(token, now),
  };
}
