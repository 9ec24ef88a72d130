/**
 * A validated policy document compiled for decisions: globs compiled once (per isolate, with the config),
 * rules in document order. `parsePolicy` is unknown text → result; `SCOPES_ONLY_POLICY` is what a
 * deployment without `ACCESS_POLICY` runs (no roles, no rules: today's scope checks).
 */

import { ToolError } from "../errors/tool-error";
import { compileGlobSet, type GlobSet } from "../files/glob";
import type { Action } from "./access";
import { type PolicyDocument, type PolicyRule, policyDocumentSchema } from "./policy-document";
import type { Scope } from "./scopes";

export interface CompiledRule {
  readonly rule: PolicyRule;
  readonly actions: ReadonlySet<Action> | undefined;
  readonly paths: GlobSet | undefined;
  /** The rule's `labels`: it applies only to content carrying one of them. */
  readonly labels: ReadonlySet<string> | undefined;
}

export interface Policy {
  readonly rolesClaim: string;
  readonly roles: ReadonlyMap<string, ReadonlySet<Scope>>;
  readonly defaultRoles: readonly string[];
  readonly toolsList: "permitted" | "all";
  readonly rules: readonly CompiledRule[];
  /** Label terms redacted for everyone before `redact` rules add more (docs/policy.md, "Sensitive data"). */
  readonly defaultRedact: ReadonlySet<string>;
  /** Whether the operator supplied a document (for logs and `/healthz`-style reports). */
  readonly source: "document" | "none";
  /**
   * The validated document this policy was compiled from (globs NFC-normalised), so a background
   * operation can carry the policy its call was decided under (src/sandbox/operation-record.ts).
   */
  readonly document?: PolicyDocument | undefined;
}

export const SCOPES_ONLY_POLICY: Policy = {
  rolesClaim: "roles",
  roles: new Map(),
  defaultRoles: [],
  toolsList: "all",
  rules: [],
  // Without ACCESS_POLICY: secrets redacted in everything returned, personal data shown (and labelled).
  defaultRedact: new Set(["secret"]),
  source: "none",
};

export type PolicyParseResult = { ok: true; policy: Policy } | { ok: false; problem: string };

/**
 * Stored paths are NFC (src/sandbox/sandbox-path.ts), so a glob pasted in decomposed form (NFD, as macOS
 * writes it) would never match; rule globs are normalised once, here, at load.
 */
function normalise(document: PolicyDocument): PolicyDocument {
  return {
    ...document,
    rules: document.rules.map((rule) =>
      rule.paths ? { ...rule, paths: rule.paths.map((p) => p.normalize("NFC")) } : rule,
    ),
  };
}

function compile(raw: PolicyDocument): Policy {
  const document = normalise(raw);
  return {
    rolesClaim: document.rolesClaim,
    roles: new Map(Object.entries(document.roles).map(([role, scopes]) => [role, new Set(scopes)])),
    defaultRoles: document.defaultRoles ?? [],
    toolsList: document.toolsList,
    rules: document.rules.map((rule, index) => ({
      rule,
      actions: rule.actions ? new Set(rule.actions) : undefined,
      paths: rule.paths ? compileGlobSet(rule.paths, `rules[${index}] (${rule.id}).paths`) : undefined,
      labels: rule.labels ? new Set(rule.labels) : undefined,
    })),
    defaultRedact: new Set(document.defaultRedact),
    source: "document",
    document,
  };
}

/** Text → compiled policy, or one line saying what is wrong and where (never the whole document). */
export function parsePolicy(text: string): PolicyParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "is not valid JSON" };
  }
  const parsed = policyDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "the document";
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : "";
    return { ok: false, problem: `is not a valid policy: ${where}: ${issue?.message ?? "invalid"}${more}` };
  }
  try {
    return { ok: true, policy: compile(parsed.data) };
  } catch (error) {
    // compileGlobSet refuses patterns minimatch cannot parse or that expand too far, naming the rule.
    if (error instanceof ToolError) return { ok: false, problem: `is not a valid policy: ${error.message}` };
    throw error;
  }
}
