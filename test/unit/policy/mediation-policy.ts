/**
 * The documented example policy plus the rules issue 18 was reproduced with: a `payroll/**` read deny
 * for non-admins, a deny of every action on `hr/**`, a certificate for `vault/**`, and a clerk role
 * (read, write, delete) that the example's archive rule applies to. docs/policy.md works through it.
 */
import { EXAMPLE_POLICY } from "./example-policy";

export const MEDIATION_POLICY = {
  ...EXAMPLE_POLICY,
  roles: { ...EXAMPLE_POLICY.roles, clerk: ["files:read", "files:write", "files:delete"] },
  rules: [
    ...EXAMPLE_POLICY.rules,
    { id: "payroll-admins-only", effect: "deny", actions: ["read"], paths: ["payroll/**"], unlessRoles: ["admin"] },
    { id: "hr-closed", effect: "deny", paths: ["hr/**"], unlessRoles: ["admin"] },
    { id: "vault-needs-mtls", effect: "require-certificate", paths: ["vault/**"] },
  ],
};
