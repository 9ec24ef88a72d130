/**
 * Label rules and `redact`: validation of the `labels` field, label rules that apply only where content
 * is known (at the gate), and the redaction set per caller and path.
 */
import { describe, expect, it } from "vitest";
import { ToolError } from "../../../src/errors/tool-error";
import { type Caller, decide, judgeObject, mayEverUse, redactionFor } from "../../../src/policy/decide";
import { createAccessGate } from "../../../src/policy/gate";
import { type Policy, parsePolicy, SCOPES_ONLY_POLICY } from "../../../src/policy/policy";
import { StepUpRequiredError } from "../../../src/policy/step-up-required";

function policy(document: Record<string, unknown>): Policy {
  const result = parsePolicy(JSON.stringify({ version: 1, ...document }));
  if (!result.ok) throw new Error(result.problem);
  return result.policy;
}

const NOW = 1_800_000_000;
const caller = (roles: string[] = [], authTime = NOW - 3600): Caller => ({
  scopes: new Set(["files:read", "files:write"]),
  roles,
  authTime,
  acr: undefined,
  certificateVerified: false,
});

const POLICY = policy({
  roles: { support: ["files:read"], admin: ["files:read", "files:write"] },
  rules: [
    { id: "fresh-login-for-pii", effect: "step-up", actions: ["read"], labels: ["pii"], maxAuthAgeSeconds: 300 },
    { id: "no-secret-writes", effect: "deny", actions: ["write"], labels: ["secret"], unlessRoles: ["admin"] },
    { id: "support-no-cards", effect: "redact", labels: ["payment-card"], roles: ["support"], paths: ["billing/**"] },
  ],
});

describe("the labels field", () => {
  it("accepts categories, detector ids and flags, and refuses anything else", () => {
    expect(() =>
      policy({ rules: [{ id: "a", effect: "deny", labels: ["secret", "iban", "injection-marker"] }] }),
    ).not.toThrow();
    expect(() => policy({ rules: [{ id: "a", effect: "deny", labels: ["secrets"] }] })).toThrow(/labels/);
    expect(() => policy({ rules: [{ id: "a", effect: "redact" }] })).toThrow(/labels/);
    expect(() => policy({ defaultRedact: ["credit-card"] })).toThrow(/defaultRedact/);
  });
});

describe("label rules", () => {
  it("do not apply before the content is known (the call-level decision), only at the gate", () => {
    const allowed = decide(POLICY, {
      caller: caller(),
      scope: "files:write",
      accesses: [{ action: "write", path: "a.txt" }],
      now: NOW,
      confirmed: false,
    });
    expect(allowed.effect).toBe("allow");
    expect(mayEverUse(POLICY, caller(), "files:write", ["write"])).toBe(true);
    expect(
      judgeObject(POLICY, caller(), { action: "write", path: "a.txt", labels: new Set(["secret"]) }, NOW),
    ).toMatchObject({
      effect: "deny",
      rule: "no-secret-writes",
    });
    expect(
      judgeObject(POLICY, caller(["admin"]), { action: "write", path: "a.txt", labels: new Set(["secret"]) }, NOW),
    ).toBeUndefined();
    expect(
      judgeObject(POLICY, caller(), { action: "write", path: "a.txt", labels: new Set(["pii"]) }, NOW),
    ).toBeUndefined();
  });

  it("step up on a label: a stale login is refused, a fresh one passes", () => {
    const pii = new Set(["pii", "payment-card"]);
    expect(judgeObject(POLICY, caller(), { action: "read", path: "c.csv", labels: pii }, NOW)).toMatchObject({
      effect: "step-up",
      rule: "fresh-login-for-pii",
      maxAgeSeconds: 300,
    });
    expect(
      judgeObject(POLICY, caller([], NOW - 10), { action: "read", path: "c.csv", labels: pii }, NOW),
    ).toBeUndefined();
    const gate = createAccessGate(POLICY, caller(), NOW);
    expect(() => gate.requireContent("read", "c.csv", pii)).toThrow(ToolError);
    expect(() => gate.requireContent("read", "c.csv", new Set())).not.toThrow();
  });

  it("two unsatisfied step-up rules on one object ask for the strictest age, as the call's decision does", () => {
    const twoRules = policy({
      rules: [
        { id: "pii-within-an-hour", effect: "step-up", actions: ["read"], labels: ["pii"], maxAuthAgeSeconds: 3000 },
        {
          id: "cards-within-minutes",
          effect: "step-up",
          actions: ["read"],
          labels: ["payment-card"],
          maxAuthAgeSeconds: 120,
        },
      ],
    });
    const access = { action: "read", path: "c.csv", labels: new Set(["pii", "payment-card"]) } as const;
    expect(judgeObject(twoRules, caller(), access, NOW)).toMatchObject({
      effect: "step-up",
      rule: "pii-within-an-hour",
      maxAgeSeconds: 120,
    });
    // A login 10 minutes old satisfies the first rule only: the second's age is asked for.
    expect(judgeObject(twoRules, caller([], NOW - 600), access, NOW)).toMatchObject({
      rule: "cards-within-minutes",
      maxAgeSeconds: 120,
    });
  });

  it("a refusal only for the login carries its requirement, typed, for the HTTP challenge; others do not", () => {
    const refusal = (run: () => void): unknown => {
      try {
        run();
      } catch (error) {
        return error;
      }
      throw new Error("not refused");
    };
    const gate = createAccessGate(POLICY, caller(), NOW);
    const stepUp = refusal(() => gate.requireContent("read", "c.csv", new Set(["pii"])));
    expect(stepUp).toBeInstanceOf(StepUpRequiredError);
    expect(stepUp).toMatchObject({
      code: "policy_denied",
      details: { rule: "fresh-login-for-pii" },
      requirement: { effect: "step-up", rule: "fresh-login-for-pii", maxAgeSeconds: 300, acrValues: undefined },
    });
    // The message names the rule and the login needed, never the path or the labels that matched.
    expect((stepUp as Error).message).toBe(
      "This call requires a sign-in within the last 300 seconds (rule fresh-login-for-pii); sign in again and retry.",
    );
    const deny = refusal(() => gate.requireContent("write", "a.txt", new Set(["secret"])));
    expect(deny).toBeInstanceOf(ToolError);
    expect(deny).not.toBeInstanceOf(StepUpRequiredError);
  });
});

describe("redaction per caller and path", () => {
  it("redacts secrets by default, with or without a document, and adds what redact rules name", () => {
    expect([...redactionFor(SCOPES_ONLY_POLICY, caller(), "a.txt")]).toEqual(["secret"]);
    expect([...redactionFor(POLICY, caller(), "billing/x.csv")]).toEqual(["secret"]);
    expect([...redactionFor(POLICY, caller(["support"]), "billing/x.csv")].sort()).toEqual(["payment-card", "secret"]);
    expect([...redactionFor(POLICY, caller(["support"]), "other.csv")]).toEqual(["secret"]);
    const open = policy({
      defaultRedact: [],
      rules: [{ id: "r", effect: "redact", labels: ["secret"], unlessRoles: ["admin"] }],
      roles: { admin: ["files:read"] },
    });
    expect([...redactionFor(open, caller(["admin"]), "a")]).toEqual([]);
    expect([...redactionFor(open, caller(), "a")]).toEqual(["secret"]);
  });
});
