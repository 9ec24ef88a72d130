/**
 * Tokens for the benchmark: a valid dev-issuer token for the product's port (scripts/dev-keys.mjs, the
 * same git-ignored key `npm run dev` uses) and one that fails verification only at the signature (same
 * header and claims, signed by a throwaway key), so a failed authentication costs what a forged token
 * costs. Nothing here is printed.
 */
import { generateKeyPair, SignJWT } from "jose";

export async function createCredentials(port) {
  const { resolveDevSettings, loadOrCreateDevKeys } = await import("../../scripts/dev-keys.mjs");
  // The issuer names the dev authorization server's port; the benchmark mints tokens itself and never
  // starts that server, so the port (the last of the benchmark's range) is only part of a name.
  const { audience: DEV_AUDIENCE, issuer: DEV_ISSUER } = resolveDevSettings([], {
    PORT: String(port),
    AUTH_PORT: "8879",
  });
  const { kid, privateKey, jwks } = await loadOrCreateDevKeys();
  const { privateKey: stranger } = await generateKeyPair("ES256");
  const sign = (key, subject = "bench-user") =>
    new SignJWT({ scope: "files:read files:write files:delete", client_id: "bench" })
      .setProtectedHeader({ alg: "ES256", kid, typ: "at+jwt" })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime("2h")
      .sign(key);
  // The audit trail's dev signing key (.dev-keys/, git-ignored), as `npm run dev` passes it.
  const { loadOrCreateAuditDevKey } = await import("../../scripts/audit-dev-key.mjs");
  return {
    token: await sign(privateKey),
    badToken: await sign(stranger),
    // Another tenant (the tenant claim is the subject in development): --hostile times its cheap
    // requests while the first tenant's call runs.
    otherToken: await sign(privateKey, "bench-other-tenant"),
    vars: {
      ENVIRONMENT: "development",
      OAUTH_ISSUER: DEV_ISSUER,
      OAUTH_AUDIENCE: DEV_AUDIENCE,
      OAUTH_JWKS: JSON.stringify(jwks),
      AUDIT_SIGNING_KEY: JSON.stringify(loadOrCreateAuditDevKey()),
    },
  };
}
