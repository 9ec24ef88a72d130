/**
 * `npm run policy -- check`: what a policy would decide for sample callers and paths, so an operator can
 * test a document before deploying it. Pure: policy and samples in, lines of text out.
 */

import { ACTIONS, type Action } from "./access";
import { type Caller, type Decision, decide } from "./decide";
import { effectiveScopes } from "./effective-scopes";
import type { Policy } from "./policy";
import { SCOPES, type Scope } from "./scopes";

/** The scope the tools performing each action need (docs/tools.md). */
export const SCOPE_OF_ACTION: Readonly<Record<Action, Scope>> = {
  read: "files:read",
  list: "files:read",
  write: "files:write",
  overwrite: "files:write",
  move: "files:write",
  restore: "files:write",
  delete: "files:delete",
  purge: "files:delete",
};

const TRASH_ACTIONS: readonly Action[] = ["list", "restore", "purge"];

export const DEFAULT_SAMPLE_PATHS = [
  "notes.md",
  ".env",
  "app/config/.env",
  "archive/2024/report.pdf",
  "finance/q3.xlsx",
];

export interface ReportOptions {
  readonly paths: readonly string[];
  /** Seconds since the sample callers signed in. */
  readonly authAgeSeconds: number;
  readonly acr: string | undefined;
  readonly certificateVerified: boolean;
  /** Size of the sample writes, for `limit` rules. */
  readonly writeBytes: number;
}

function label(decision: Decision): string {
  switch (decision.effect) {
    case "allow":
      return decision.conditions.length > 0 ? `allowed (satisfies ${decision.conditions.join(", ")})` : "allowed";
    case "deny":
      return `denied by ${decision.rule}`;
    case "insufficient-scope":
      return `needs scope ${decision.scope}`;
    case "not-entitled":
      return `not entitled to ${decision.scope}`;
    case "require-certificate":
      return `needs a client certificate (${decision.rule})`;
    case "limit":
      return `over ${decision.maxWriteBytes} bytes (${decision.rule})`;
    case "step-up": {
      const needs = [
        ...(decision.maxAgeSeconds !== undefined ? [`a sign-in within ${decision.maxAgeSeconds} s`] : []),
        ...(decision.acrValues !== undefined ? [`acr ${decision.acrValues.join("|")}`] : []),
      ];
      return `needs ${needs.join(" and ")} (${decision.rule})`;
    }
    case "confirm":
      return `asks a human to confirm (${decision.rule})`;
  }
}

/**
 * What the storage gate makes of operations involving `path` as one of their objects (docs/policy.md,
 * "What each action covers"): moving or copying it away needs `read` there (and `delete`, `move` for a
 * move), putting something there needs `write`, restoring an entry deleted there to another place needs
 * `read` there, and listings show it (with its etag only where `read` is allowed).
 */
export function describeOperations(policy: Policy, caller: Caller, path: string, now: number): string[] {
  const judge = (scope: Scope, accesses: readonly Action[]) =>
    label(
      decide(policy, {
        caller,
        scope,
        accesses: accesses.map((action) => ({ action, path })),
        now,
        confirmed: false,
      }),
    );
  const listed = judge("files:read", ["list"]);
  const etag = judge("files:read", ["read"]);
  const listing =
    listed !== "allowed" ? "left out of listings" : etag === "allowed" ? "listed with its etag" : "listed without etag";
  return [
    `moving it away: ${judge("files:write", ["read", "delete", "move"])}`,
    `copying it away: ${judge("files:write", ["read"])}`,
    `restoring it elsewhere: ${judge("files:write", ["read"])}`,
    `moving or restoring onto it: ${judge("files:write", ["write", "move", "restore"])}`,
    listing,
  ];
}

function sampleCallers(policy: Policy): { name: string; roles: string[] }[] {
  const roles = [...policy.roles.keys()].map((role) => ({ name: `role ${role}`, roles: [role] }));
  const fallback =
    policy.defaultRoles.length > 0 ? `no roles (defaults: ${policy.defaultRoles.join(", ")})` : "no roles";
  return [...roles, { name: fallback, roles: [] }];
}

export function summarizePolicy(policy: Policy): string {
  const effects = new Map<string, number>();
  for (const { rule } of policy.rules) effects.set(rule.effect, (effects.get(rule.effect) ?? 0) + 1);
  const counts = [...effects].map(([effect, count]) => `${count} ${effect}`).join(", ");
  return (
    `Valid policy: ${policy.roles.size} role(s) from claim "${policy.rolesClaim}", ` +
    `${policy.rules.length} rule(s)${counts ? ` (${counts})` : ""}, toolsList "${policy.toolsList}".`
  );
}

export function reportDecisions(policy: Policy, options: ReportOptions, now: number): string[] {
  const lines: string[] = [
    `Sample callers hold every scope in their token, signed in ${options.authAgeSeconds} s ago` +
      `${options.acr ? ` with acr ${options.acr}` : ""}` +
      `${options.certificateVerified ? ", with a verified client certificate" : ", without a client certificate"}; ` +
      `writes are ${options.writeBytes} bytes.`,
  ];
  for (const sample of sampleCallers(policy)) {
    const caller: Caller = {
      scopes: new Set(SCOPES),
      roles: sample.roles,
      authTime: now - options.authAgeSeconds,
      acr: options.acr,
      certificateVerified: options.certificateVerified,
    };
    const scopes = [...effectiveScopes(policy, caller)];
    lines.push("", `${sample.name}: effective scopes ${scopes.length > 0 ? scopes.join(" ") : "(none)"}`);
    const targets: (string | null)[] = [...options.paths, null];
    for (const path of targets) {
      const groups = new Map<string, Action[]>();
      // A null path stands for the trash, whose original paths are unknown before a call runs.
      for (const action of path === null ? TRASH_ACTIONS : ACTIONS) {
        const bytes = action === "write" || action === "overwrite" ? options.writeBytes : undefined;
        const decision = decide(policy, {
          caller,
          scope: SCOPE_OF_ACTION[action],
          accesses: [{ action, path, ...(bytes !== undefined ? { bytes } : {}) }],
          now,
          confirmed: false,
        });
        const key = label(decision);
        groups.set(key, [...(groups.get(key) ?? []), action]);
      }
      const where = path === null ? "(the trash)" : `/${path}`;
      const parts = [...groups].map(([key, actions]) => `${actions.join(" ")}: ${key}`);
      lines.push(`  ${where.padEnd(28)} ${parts.join("; ")}`);
      if (path !== null) lines.push(`  ${"".padEnd(28)} ${describeOperations(policy, caller, path, now).join("; ")}`);
    }
  }
  return lines;
}
