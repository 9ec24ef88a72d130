/**
 * A policy gate for tests that build a `Sandbox` directly (the Worker builds one per caller in
 * src/http/mcp-pipeline.ts): by default the gate of a deployment without ACCESS_POLICY, which judges
 * every object and refuses none, or the gate of a given policy and roles.
 */
import { type AccessGate, createAccessGate } from "../../src/policy/gate";
import { type Policy, SCOPES_ONLY_POLICY } from "../../src/policy/policy";

export function testGate(policy: Policy = SCOPES_ONLY_POLICY, roles: readonly string[] = []): AccessGate {
  return createAccessGate(
    policy,
    {
      scopes: new Set(["files:read", "files:write", "files:delete"]),
      roles,
      authTime: Math.floor(Date.now() / 1000),
      acr: undefined,
      certificateVerified: false,
    },
    Math.floor(Date.now() / 1000),
  );
}
