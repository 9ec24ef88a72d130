/**
 * A caller as authentication would hand it on: a JWT subject in its own tenant, no roles, no login
 * facts. Tests override only what they are about.
 */
import type { Principal } from "../../src/auth/principal";

export function testPrincipal(overrides: Partial<Principal> & { readonly subject: string }): Principal {
  return {
    tenant: overrides.subject,
    scopes: new Set(["files:read"]),
    roles: [],
    clientId: undefined,
    authTime: undefined,
    acr: undefined,
    credentialKind: "jwt",
    certificateThumbprint: undefined,
    expiresAt: 0,
    ...overrides,
  };
}
