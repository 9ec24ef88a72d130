/**
 * The policy decision point: (caller, tool scope, accesses, clock, confirmation) → a decision that names
 * the rule that made it. Pure: no I/O, the clock is a parameter, the same inputs give the same answer.
 *
 * Precedence (each step only when the previous ones let the call through):
 * 1. `deny`: any matching deny rule refuses, whatever else holds ("deny wins").
 * 2. scope: the caller's roles must entitle it to the tool's scope (`not-entitled`: a new token would not
 *    help), then its token must carry it (`insufficient-scope`: the client can ask for it).
 * 3. `require-certificate`: a verified client certificate must have been presented.
 * 4. `limit`: bytes written by the call must not exceed the smallest matching `maxWriteBytes`.
 * 5. `step-up`: `auth_time` recent enough and/or `acr` among the accepted values (RFC 9470); asked
 *    before a confirmation so a human never confirms a call that would then need a new login.
 * 6. `confirm`: a human confirmation bound to this very call must accompany it.
 * A rule matches when the caller's roles select it (`roles`, `unlessRoles`), one of its actions is
 * among the call's, and one of its globs matches a path the call touches (source and destination of
 * a move alike; anything below a subtree's root; any path when the call cannot know it in advance).
 */

import type { Access, Action } from "./access";
import { effectiveRoles, effectiveScopes } from "./effective-scopes";
import type { CompiledRule, Policy } from "./policy";
import type { Scope } from "./scopes";

/** What the policy may know about the caller: a projection of the Principal plus transport facts. */
export interface Caller {
  readonly scopes: ReadonlySet<string>;
  readonly roles: readonly string[];
  /** Seconds since the epoch of the user's last authentication (`auth_time`), when known. */
  readonly authTime: number | undefined;
  /** Authentication context class (`acr`), when known. */
  readonly acr: string | undefined;
  /** A client certificate was presented and verified on this connection. */
  readonly certificateVerified: boolean;
}

export interface DecisionRequest {
  readonly caller: Caller;
  /** The scope the tool requires. */
  readonly scope: Scope;
  readonly accesses: readonly Access[];
  /** Seconds since the epoch. */
  readonly now: number;
  /** A valid confirmation bound to exactly this call accompanies it. */
  readonly confirmed: boolean;
}

export type Decision =
  | { readonly effect: "allow"; readonly rule: string; readonly conditions: readonly string[] }
  | { readonly effect: "deny"; readonly rule: string; readonly action: Action; readonly path: string | null }
  | { readonly effect: "insufficient-scope"; readonly rule: string; readonly scope: Scope }
  | { readonly effect: "not-entitled"; readonly rule: string; readonly scope: Scope }
  | { readonly effect: "require-certificate"; readonly rule: string }
  | { readonly effect: "limit"; readonly rule: string; readonly maxWriteBytes: number; readonly bytes: number }
  | {
      readonly effect: "step-up";
      readonly rule: string;
      readonly maxAgeSeconds: number | undefined;
      readonly acrValues: readonly string[] | undefined;
    }
  | { readonly effect: "confirm"; readonly rule: string; readonly conditions: readonly string[] };

export type DecisionEffect = Decision["effect"];

/** One tools/call's decision, as the authorize stage hands it to the tool seam (and to the audit log). */
export interface ToolDecision {
  readonly tool: string;
  readonly decision: Decision;
}

/** The rule id that stands for "the tool's scope" in decisions and audit events. */
export function scopeRuleId(scope: Scope): string {
  return `scope:${scope}`;
}

/** The rule id of the role/scope intersection refusing a scope the token holds. */
export function rolesRuleId(scope: Scope): string {
  return `roles:${scope}`;
}

export function appliesToCaller(compiled: CompiledRule, roles: readonly string[]): boolean {
  const { rule } = compiled;
  if (rule.roles && !rule.roles.some((role) => roles.includes(role))) return false;
  if (rule.unlessRoles?.some((role) => roles.includes(role))) return false;
  return true;
}

/**
 * Whether a rule's globs cover a path. A glob ending in a double star over a directory also covers the
 * directory itself (docs/policy.md, "Paths"): the path is tried as a directory too, with a trailing
 * slash, which such a glob matches and a single star, or a pattern naming files below, does not. So
 * listing, moving or deleting the directory a rule names is that rule's business.
 */
export function globsCover(paths: NonNullable<CompiledRule["paths"]>, path: string): boolean {
  return paths.matches(path) || (path !== "" && paths.matches(`${path}/`));
}

export function matchesAccess(compiled: CompiledRule, access: Access): boolean {
  if (compiled.actions && !compiled.actions.has(access.action)) return false;
  if (compiled.labels) {
    const labels = access.labels;
    if (!labels || ![...compiled.labels].some((term) => labels.has(term))) return false;
  }
  if (!compiled.paths || access.path === null) return true;
  if (globsCover(compiled.paths, access.path)) return true;
  return access.subtree === true && compiled.paths.mayMatchBelow(access.path);
}

function strictestAge(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

function authAgeSatisfied(maxAge: number | undefined, caller: Caller, now: number): boolean {
  return maxAge === undefined || (caller.authTime !== undefined && now - caller.authTime <= maxAge);
}

function acrSatisfied(values: readonly string[] | undefined, caller: Caller): boolean {
  return values === undefined || (caller.acr !== undefined && values.includes(caller.acr));
}

export function decide(policy: Policy, request: DecisionRequest): Decision {
  const { caller, accesses, now } = request;
  const roles = effectiveRoles(policy, caller);
  const matched: { compiled: CompiledRule; access: Access }[] = [];
  for (const compiled of policy.rules) {
    if (!appliesToCaller(compiled, roles)) continue;
    const access = accesses.find((candidate) => matchesAccess(compiled, candidate));
    if (access) matched.push({ compiled, access });
  }

  const denied = matched.find(({ compiled }) => compiled.rule.effect === "deny");
  if (denied) {
    return { effect: "deny", rule: denied.compiled.rule.id, action: denied.access.action, path: denied.access.path };
  }
  if (!effectiveScopes(policy, caller).has(request.scope)) {
    // Roles that do not entitle to the scope cannot be fixed by a new token: say so rather than send the
    // client into a step-up loop (it would get the same scopes again).
    const entitled = effectiveScopes(policy, { scopes: new Set([request.scope]), roles: caller.roles });
    if (!entitled.has(request.scope)) {
      return { effect: "not-entitled", rule: rolesRuleId(request.scope), scope: request.scope };
    }
    return { effect: "insufficient-scope", rule: scopeRuleId(request.scope), scope: request.scope };
  }

  const conditions: string[] = [];
  for (const { compiled } of matched) {
    if (compiled.rule.effect !== "require-certificate") continue;
    if (!caller.certificateVerified) return { effect: "require-certificate", rule: compiled.rule.id };
    conditions.push(compiled.rule.id);
  }

  for (const { compiled } of matched) {
    const rule = compiled.rule;
    if (rule.effect !== "limit") continue;
    const over = accesses.find(
      (access) => access.bytes !== undefined && access.bytes > rule.maxWriteBytes && matchesAccess(compiled, access),
    );
    if (over?.bytes !== undefined) {
      return { effect: "limit", rule: rule.id, maxWriteBytes: rule.maxWriteBytes, bytes: over.bytes };
    }
    conditions.push(rule.id);
  }

  const unsatisfied: { id: string; maxAge: number | undefined; acrValues: readonly string[] | undefined }[] = [];
  for (const { compiled } of matched) {
    const rule = compiled.rule;
    if (rule.effect !== "step-up") continue;
    const ageOk = authAgeSatisfied(rule.maxAuthAgeSeconds, caller, now);
    const acrOk = acrSatisfied(rule.acrValues, caller);
    if (ageOk && acrOk) conditions.push(rule.id);
    else
      unsatisfied.push({
        id: rule.id,
        maxAge: ageOk ? undefined : rule.maxAuthAgeSeconds,
        acrValues: acrOk ? undefined : rule.acrValues,
      });
  }
  const [first] = unsatisfied;
  if (first) {
    // One new login should satisfy every unsatisfied rule: ask for the strictest age, and the first
    // rule's accepted classes (another rule may ask again with its own).
    const ages = unsatisfied.flatMap((entry) => (entry.maxAge === undefined ? [] : [entry.maxAge]));
    return {
      effect: "step-up",
      rule: first.id,
      maxAgeSeconds: ages.length > 0 ? Math.min(...ages) : undefined,
      acrValues: unsatisfied.find((entry) => entry.acrValues !== undefined)?.acrValues,
    };
  }

  const confirm = matched.find(({ compiled }) => compiled.rule.effect === "confirm");
  if (confirm) {
    if (!request.confirmed) return { effect: "confirm", rule: confirm.compiled.rule.id, conditions };
    for (const { compiled } of matched) if (compiled.rule.effect === "confirm") conditions.push(compiled.rule.id);
  }
  return { effect: "allow", rule: scopeRuleId(request.scope), conditions };
}

/**
 * `toolsList: "permitted"`: whether a caller could ever use a tool, whatever the arguments: its scope is
 * effective, and not every action it can perform is denied to these roles everywhere (a deny rule
 * without paths). Path-specific rules never hide a tool: another path may be allowed.
 */
export function mayEverUse(policy: Policy, caller: Caller, scope: Scope, actions: readonly Action[]): boolean {
  if (!effectiveScopes(policy, caller).has(scope)) return false;
  if (actions.length === 0) return true;
  const roles = effectiveRoles(policy, caller);
  const deniedEverywhere = (action: Action) =>
    policy.rules.some(
      (compiled) =>
        compiled.rule.effect === "deny" &&
        compiled.paths === undefined &&
        compiled.labels === undefined &&
        (compiled.actions === undefined || compiled.actions.has(action)) &&
        appliesToCaller(compiled, roles),
    );
  return !actions.every(deniedEverywhere);
}

/**
 * The label terms whose spans `caller` sees redacted in content at `path`: the policy's default plus
 * every matching `redact` rule's labels. Pure, like the decisions; the storage gate asks it once per
 * object whose content leaves storage.
 */
export function redactionFor(policy: Policy, caller: Caller, path: string): ReadonlySet<string> {
  const roles = effectiveRoles(policy, caller);
  const terms = new Set(policy.defaultRedact);
  for (const compiled of policy.rules) {
    if (compiled.rule.effect !== "redact" || !appliesToCaller(compiled, roles)) continue;
    const applies =
      (!compiled.actions || compiled.actions.has("read")) && (!compiled.paths || globsCover(compiled.paths, path));
    if (applies) for (const term of compiled.rule.labels) terms.add(term);
  }
  return terms;
}

/** What the storage gate refuses an object for; see `judgeObject`. */
export type ObjectRefusal = Extract<Decision, { effect: "deny" | "require-certificate" | "step-up" | "confirm" }>;

/**
 * The storage gate's judgement of one object access (src/policy/gate.ts): the path rules that hold
 * whatever the call declared. `deny` refuses, `require-certificate` needs a certificate authentication
 * accepted, `step-up` needs the login the call was made with to satisfy it, `confirm` needs the call to
 * have been confirmed by a human (asked once per call, before it runs, from its declared accesses; an
 * object a confirm rule covers in an unconfirmed call is refused). Scopes and `limit` (bytes are a
 * call's, not an object's) are the call's decision. Undefined: the access may proceed.
 */
export function judgeObject(
  policy: Policy,
  caller: Caller,
  access: Access,
  now: number,
  confirmed = false,
): ObjectRefusal | undefined {
  const roles = effectiveRoles(policy, caller);
  let certificate: ObjectRefusal | undefined;
  let stepUp: Extract<ObjectRefusal, { effect: "step-up" }> | undefined;
  let confirm: ObjectRefusal | undefined;
  for (const compiled of policy.rules) {
    const rule = compiled.rule;
    if (rule.effect === "limit" || rule.effect === "redact") continue;
    if (!appliesToCaller(compiled, roles) || !matchesAccess(compiled, access)) continue;
    if (rule.effect === "confirm") {
      if (!confirmed) confirm ??= { effect: "confirm", rule: rule.id, conditions: [] };
      continue;
    }
    if (rule.effect === "deny") return { effect: "deny", rule: rule.id, action: access.action, path: access.path };
    if (rule.effect === "require-certificate") {
      if (!caller.certificateVerified) certificate ??= { effect: "require-certificate", rule: rule.id };
      continue;
    }
    const ageOk = authAgeSatisfied(rule.maxAuthAgeSeconds, caller, now);
    const acrOk = acrSatisfied(rule.acrValues, caller);
    if (!ageOk || !acrOk) {
      // As in the call's decision: one new login should satisfy every unsatisfied rule, so ask for the
      // strictest age, and the first rule's accepted classes.
      const maxAge = ageOk ? undefined : rule.maxAuthAgeSeconds;
      stepUp = stepUp
        ? {
            ...stepUp,
            maxAgeSeconds: strictestAge(stepUp.maxAgeSeconds, maxAge),
            acrValues: stepUp.acrValues ?? (acrOk ? undefined : rule.acrValues),
          }
        : { effect: "step-up", rule: rule.id, maxAgeSeconds: maxAge, acrValues: acrOk ? undefined : rule.acrValues };
    }
  }
  return certificate ?? stepUp ?? confirm;
}
