/**
 * The policy gate at the storage boundary (docs/policy.md, "The gate"). The call's up-front decision
 * (decide.ts) judges what a tool *declares*; the gate judges what storage is actually asked for: every
 * object a call reads, reveals, writes or removes, by its canonical tenant-relative path and the action
 * the access serves. The sandbox holds one per caller and consults it before each R2 access made on the
 * caller's behalf, in the request and in every step of a background operation, so a tool (or an
 * argument) that touches more than it declared is still held to the policy.
 *
 * Two questions, one judgement (`judgeObject`):
 * - `require(action, path)`: the access must be allowed, or the call fails with a tool error naming the
 *   rule (and nothing after it runs; subtree operations ask for every object before changing anything);
 * - `permits(action, path)`: for what a result may show, so listings silently leave out what the caller
 *   may not `list` and omit the etag (an MD5 of the content) of what it may not `read`.
 *
 * Pure: the policy, the caller and the decision time are fixed when the gate is made. A refusal names a
 * path only when the caller may `list` it, so the error itself reveals no hidden name.
 */
import { ToolError } from "../errors/tool-error";
import type { Action } from "./access";
import { type Caller, judgeObject, type ObjectRefusal, redactionFor } from "./decide";
import { type Policy, parsePolicy, SCOPES_ONLY_POLICY } from "./policy";
import type { PolicyDocument } from "./policy-document";
import { describeRefusal } from "./refusal";
import { StepUpRequiredError } from "./step-up-required";

export interface AccessGate {
  /**
   * Throws a `ToolError` (`policy_denied`, `certificate_required`) when `action` on `path` is refused; a
   * `StepUpRequiredError` when only the login is too old or too weak.
   */
  require(action: Action, path: string): void;
  /** Whether `action` on `path` is allowed (for filtering what a result shows). */
  permits(action: Action, path: string): boolean;
  /**
   * The same judgement for content with these label terms (src/content/labels.ts): rules with `labels`
   * apply. Asked where content is known: the file read, the content written.
   */
  requireContent(action: Action, path: string, labels: ReadonlySet<string>): void;
  /** Label terms whose spans this caller sees redacted in content at `path` (docs/policy.md). */
  redactionFor(path: string): ReadonlySet<string>;
  /**
   * The call was confirmed by a human (src/mcp/confirmation-step.ts): objects `confirm` rules cover are
   * allowed from now on, for this call and its background steps.
   */
  markConfirmed(): void;
  /** What a background operation carries to judge its steps as this gate would (see `gateFromCarried`). */
  readonly carried: CarriedDecisionInputs;
}

/** The caller and decision time a gate judges with, in a form that survives JSON (a Workflow's params). */
export interface CarriedDecisionInputs {
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
  readonly authTime: number | undefined;
  readonly acr: string | undefined;
  readonly certificateVerified: boolean;
  /** Seconds since the epoch at which the call was decided: step-up rules judge the login as of then. */
  readonly decidedAt: number;
  /** The policy document the call was decided under (null: no ACCESS_POLICY, scopes alone). */
  readonly policy: PolicyDocument | null;
  /** The call was confirmed by a human before it started the operation. */
  readonly confirmed: boolean;
}

function refusalError(refusal: ObjectRefusal, shownPath: string | null): ToolError {
  const shown: ObjectRefusal = refusal.effect === "deny" ? { ...refusal, path: shownPath } : refusal;
  const message =
    refusal.effect === "confirm"
      ? `Part of this call needs a human confirmation (rule ${refusal.rule}) that it did not ask for; nothing was changed. Name that path in the call to be asked.`
      : describeRefusal(shown, "This call");
  const details = { rule: refusal.rule, action: refusal.effect === "deny" ? refusal.action : "" };
  // Only the login is wrong: typed, so a request that returned nothing can answer with the 401 challenge.
  if (refusal.effect === "step-up") return new StepUpRequiredError(message, details, refusal);
  const code =
    refusal.effect === "require-certificate"
      ? "certificate_required"
      : refusal.effect === "confirm"
        ? "confirmation_required"
        : "policy_denied";
  return new ToolError(code, message, details);
}

export function createAccessGate(policy: Policy, caller: Caller, now: number, confirmedAtStart = false): AccessGate {
  let confirmed = confirmedAtStart;
  // Listings ask about many names with few distinct answers; judging is pure, so answers are memoised
  // for the gate's (one call's) lifetime.
  const answers = new Map<string, ObjectRefusal | null>();
  const judge = (action: Action, path: string): ObjectRefusal | null => {
    const key = `${action}\u0000${path}`;
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = judgeObject(policy, caller, { action, path }, now, confirmed) ?? null;
      answers.set(key, answer);
    }
    return answer;
  };
  return {
    require(action, path) {
      const refusal = judge(action, path);
      if (refusal) throw refusalError(refusal, judge("list", path) === null ? path : null);
    },
    permits: (action, path) => judge(action, path) === null,
    requireContent(action, path, labels) {
      if (labels.size === 0) return;
      const refusal = judgeObject(policy, caller, { action, path, labels }, now, confirmed);
      if (refusal) throw refusalError(refusal, judge("list", path) === null ? path : null);
    },
    redactionFor: (path) => redactionFor(policy, caller, path),
    markConfirmed() {
      confirmed = true;
      answers.clear();
    },
    get carried() {
      return carried(policy, caller, now, confirmed);
    },
  };
}

function carried(policy: Policy, caller: Caller, now: number, confirmed: boolean): CarriedDecisionInputs {
  return {
    scopes: [...caller.scopes],
    roles: [...caller.roles],
    authTime: caller.authTime,
    acr: caller.acr,
    certificateVerified: caller.certificateVerified,
    decidedAt: now,
    policy: policy.document ?? null,
    confirmed,
  };
}

/**
 * The gate a background step judges with: the carried caller and policy, at the time the call was
 * decided, so every step is held to exactly what the call was. A carried document that no longer
 * validates throws (the step fails; nothing is touched).
 */
export function gateFromCarried(carried: CarriedDecisionInputs): AccessGate {
  let policy = SCOPES_ONLY_POLICY;
  if (carried.policy !== null) {
    const parsed = parsePolicy(JSON.stringify(carried.policy));
    if (!parsed.ok) throw new Error(`carried policy ${parsed.problem}`);
    policy = parsed.policy;
  }
  const caller: Caller = {
    scopes: new Set(carried.scopes),
    roles: carried.roles,
    authTime: carried.authTime,
    acr: carried.acr,
    certificateVerified: carried.certificateVerified,
  };
  return createAccessGate(policy, caller, carried.decidedAt, carried.confirmed);
}
