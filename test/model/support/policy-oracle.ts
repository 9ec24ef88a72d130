/**
 * The reference model's reading of an ACCESS_POLICY document, written from docs/policy.md and issue 18's
 * semantics rather than from src/policy/: for one caller, which (action, path) pairs no answer may act on.
 *
 * A pair is blocked when a rule selects the caller (roles / unlessRoles), covers the action (or names
 * none) and matches the path (or names none), and the rule's effect cannot be met by this caller:
 * - `deny`;
 * - `step-up`: unless the caller logged in recently (generated step-up rules ask for a login within
 *   300 s; the caller's is 10 s or an hour old);
 * - `confirm`: the model's caller never confirms;
 * - `require-certificate`: unless authentication accepted the caller's certificate (presented, verified,
 *   not revoked, with a fingerprint: the checks of a demanded one). A bare `certVerified: "SUCCESS"` is
 *   not an accepted certificate.
 * Globs are matched as written after NFC normalisation (stored paths are NFC), with `dot: true`, and
 * `dir/**` also covers `dir` itself.
 */
import { Minimatch } from "minimatch";

export const ACTIONS = ["read", "list", "write", "overwrite", "delete", "move", "restore", "purge"] as const;
export type Action = (typeof ACTIONS)[number];
export type Effect = "deny" | "step-up" | "confirm" | "require-certificate";

export interface ModelRule {
  readonly id: string;
  readonly effect: Effect;
  readonly actions?: readonly Action[] | undefined;
  readonly paths?: readonly string[] | undefined;
  readonly roles?: readonly string[] | undefined;
  readonly unlessRoles?: readonly string[] | undefined;
}

export interface Blocking {
  readonly rule: string;
  readonly action: Action;
  readonly path: string;
}

export interface PolicyOracle {
  /** The rule that blocks `action` on the canonical tenant-relative `path` ("" = root), if any. */
  blocked(action: Action, path: string): Blocking | undefined;
}

function compilePattern(pattern: string): (path: string) => boolean {
  const nfc = pattern.normalize("NFC");
  const options = { dot: true, platform: "linux" as const };
  const whole = new Minimatch(nfc, options);
  // `dir/**` (also `{a,b}/**`) covers the directory itself, not only what is below it.
  const self = nfc.endsWith("/**") ? new Minimatch(nfc.slice(0, -3), options) : undefined;
  return (path) => whole.match(path) || (self?.match(path) ?? false);
}

export function createPolicyOracle(
  rules: readonly ModelRule[],
  callerRoles: readonly string[],
  options: { certificateAccepted: boolean; freshLogin: boolean },
): PolicyOracle {
  const applicable = rules
    .filter((rule) => !(rule.effect === "require-certificate" && options.certificateAccepted))
    .filter((rule) => !(rule.effect === "step-up" && options.freshLogin))
    .filter((rule) => !rule.roles || rule.roles.some((role) => callerRoles.includes(role)))
    .filter((rule) => !rule.unlessRoles?.some((role) => callerRoles.includes(role)))
    .map((rule) => ({ rule, matchers: rule.paths?.map(compilePattern) }));
  return {
    blocked(action, path) {
      const normalized = path.normalize("NFC");
      for (const { rule, matchers } of applicable) {
        if (rule.actions && !rule.actions.includes(action)) continue;
        if (matchers && !matchers.some((matches) => matches(normalized))) continue;
        return { rule: rule.id, action, path: normalized };
      }
      return undefined;
    },
  };
}
