/**
 * A refusal whose only cause is the caller's login: too old (`maxAuthAgeSeconds`) or too weak
 * (`acrValues`) for a `step-up` rule the storage gate applied to an object or its labels (gate.ts), or
 * that the up-front decision applied to a resource request. It is the same caller's-fault
 * `policy_denied` a model reads as a tool error; what it adds is the requirement, typed, so the HTTP
 * layer can answer the whole exchange with the RFC 9470 challenge a path step-up gets
 * (src/http/call-context.ts, `gateStepUpChallenge`) instead of a JSON-RPC result. Where it cannot (a
 * batch member, a background step) it stays the tool error it is.
 */
import { ToolError } from "../errors/tool-error";
import type { Decision } from "./decide";

/** What a new login must satisfy: the rule, and `max_age` and/or `acr_values` (RFC 9470 §3). */
export type StepUpRequirement = Extract<Decision, { effect: "step-up" }>;

export class StepUpRequiredError extends ToolError {
  constructor(
    message: string,
    details: Readonly<Record<string, string | number | boolean>>,
    readonly requirement: StepUpRequirement,
  ) {
    super("policy_denied", message, details);
  }
}
