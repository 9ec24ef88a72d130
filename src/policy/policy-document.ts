/**
 * The access policy document (`ACCESS_POLICY`, version 1), validated with zod. Unknown fields are
 * refused rather than ignored: a misspelt `unlesRoles` silently widening a rule is the failure an
 * operator would never notice. docs/policy.md is the reference for every field.
 */
import * as z from "zod";
import { DETECTOR_CATEGORIES } from "../content/detectors/index";
import { CATEGORIES } from "../content/finding";
import { FLAGS } from "../content/untrusted-text";
import { ACTIONS } from "./access";
import { SCOPES } from "./scopes";

export const RULE_EFFECTS = ["deny", "step-up", "require-certificate", "confirm", "limit", "redact"] as const;
export type RuleEffect = (typeof RULE_EFFECTS)[number];

const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, "must be 1-64 letters, digits, '_', '.', ':' or '-'");
const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "must be 1-64 lowercase letters, digits, '_', '.' or '-'");
const roleList = z.array(name).min(1).max(32);
const glob = z
  .string()
  .min(1)
  .max(256)
  .refine((pattern) => !pattern.startsWith("!"), "negated patterns are not supported; use unlessRoles or another rule")
  .refine(
    (pattern) => !pattern.startsWith("/") && !pattern.startsWith("./"),
    "paths are relative to the tenant root: write 'archive/**', not '/archive/**'",
  );

/**
 * What a rule's `labels` may name (docs/policy.md, "Sensitive data"): a category (`secret`, `pii`), a
 * detector id (`aws-access-key-id`, `payment-card`, …) or a content flag (`invisible-unicode`,
 * `injection-marker`). An unknown name is refused: a misspelt label would silently match nothing.
 */
export const LABEL_TERMS: readonly string[] = [...CATEGORIES, ...DETECTOR_CATEGORIES.keys(), ...FLAGS];
const labelTerm = z
  .string()
  .refine(
    (term) => LABEL_TERMS.includes(term),
    "must be secret, pii, a detector id or a content flag (docs/policy.md)",
  );
const labelList = z.array(labelTerm).min(1).max(32);

const baseRule = {
  id: ruleId,
  description: z.string().max(500).optional(),
  /** Default: every action. */
  actions: z.array(z.enum(ACTIONS)).min(1).optional(),
  /** Default: every path. Globs relative to the tenant root, the matcher of search_files. */
  paths: z.array(glob).min(1).max(32).optional(),
  /** The rule applies only to callers holding one of these roles. */
  roles: roleList.optional(),
  /** The rule does not apply to callers holding one of these roles. */
  unlessRoles: roleList.optional(),
  /**
   * The rule applies only to content carrying one of these labels: the file read (its content as
   * classified now), or the content written. Judged where content is touched, at the storage gate.
   */
  labels: labelList.optional(),
};

const ruleSchema = z.discriminatedUnion("effect", [
  z.strictObject({ ...baseRule, effect: z.literal("deny") }),
  z
    .strictObject({
      ...baseRule,
      effect: z.literal("step-up"),
      maxAuthAgeSeconds: z.int().min(0).max(31_536_000).optional(),
      acrValues: z.array(z.string().min(1).max(256)).min(1).max(16).optional(),
    })
    .refine((rule) => rule.maxAuthAgeSeconds !== undefined || rule.acrValues !== undefined, {
      message: "a step-up rule needs maxAuthAgeSeconds, acrValues or both",
    }),
  z.strictObject({ ...baseRule, effect: z.literal("require-certificate") }),
  z.strictObject({ ...baseRule, effect: z.literal("confirm") }),
  z.strictObject({ ...baseRule, effect: z.literal("limit"), maxWriteBytes: z.int().min(0) }),
  // Never refuses: the spans of these labels are shown as `[REDACTED:<detector>]` to the callers and
  // paths the rule matches.
  z.strictObject({ ...baseRule, effect: z.literal("redact"), labels: labelList }),
]);

export const policyDocumentSchema = z
  .strictObject({
    version: z.literal(1),
    /** The access-token claim holding the caller's roles (a string or an array of strings). */
    rolesClaim: z
      .string()
      .regex(/^[A-Za-z0-9_.:/-]{1,128}$/)
      .default("roles"),
    /** Role → the scopes it entitles to. */
    roles: z.record(name, z.array(z.enum(SCOPES)).max(SCOPES.length)).default({}),
    /** Roles assumed for a credential that carries none; default: none (scopes alone decide). */
    defaultRoles: roleList.optional(),
    toolsList: z.enum(["permitted", "all"]).default("all"),
    /**
     * Labels redacted for every caller and path, before any `redact` rule adds more. The default hides
     * secrets and shows personal data (labelled and audited); `[]` shows everything not redacted by a rule.
     */
    defaultRedact: z.array(labelTerm).max(32).default(["secret"]),
    rules: z.array(ruleSchema).max(200).default([]),
  })
  .superRefine((document, context) => {
    const seen = new Set<string>();
    document.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) {
        context.addIssue({ code: "custom", path: ["rules", index, "id"], message: `duplicate rule id "${rule.id}"` });
      }
      seen.add(rule.id);
      for (const field of ["roles", "unlessRoles"] as const) {
        for (const role of rule[field] ?? []) {
          if (!(role in document.roles)) {
            context.addIssue({
              code: "custom",
              path: ["rules", index, field],
              message: `unknown role "${role}" (declare it under "roles")`,
            });
          }
        }
      }
    });
    for (const role of document.defaultRoles ?? []) {
      if (!(role in document.roles)) {
        context.addIssue({ code: "custom", path: ["defaultRoles"], message: `unknown role "${role}"` });
      }
    }
  });

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type PolicyRule = PolicyDocument["rules"][number];
