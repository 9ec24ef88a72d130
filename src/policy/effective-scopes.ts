/**
 * The role/scope combination rule. A token's scopes say what the *client* was granted; roles say what
 * the *user* is entitled to. When the credential carries roles (or the policy assigns default roles),
 * the effective scopes are the intersection: token scopes ∩ (union of the roles' scopes). A role the
 * policy does not declare entitles to nothing. Without roles, the token's scopes alone decide; a policy
 * that declares no roles (or no policy at all) ignores the credential's roles.
 */

import type { Policy } from "./policy";
import { SCOPES, type Scope } from "./scopes";

export interface ScopeHolder {
  readonly scopes: ReadonlySet<string>;
  readonly roles: readonly string[];
}

/** The roles a decision uses: the credential's, or the policy's defaults when it carries none. */
export function effectiveRoles(policy: Policy, holder: ScopeHolder): readonly string[] {
  if (policy.roles.size === 0) return [];
  return holder.roles.length > 0 ? holder.roles : policy.defaultRoles;
}

export function effectiveScopes(policy: Policy, holder: ScopeHolder): ReadonlySet<Scope> {
  const granted = SCOPES.filter((scope) => holder.scopes.has(scope));
  const roles = effectiveRoles(policy, holder);
  if (roles.length === 0) return new Set(granted);
  const entitled = new Set<Scope>();
  for (const role of roles) for (const scope of policy.roles.get(role) ?? []) entitled.add(scope);
  return new Set(granted.filter((scope) => entitled.has(scope)));
}
