/**
 * The `confirm` effect in the seam (docs/policy.md, "Confirmations"): a call the policy lets through only
 * with a human's confirmation either asks for one (MCP 2026-07-28 `input_required` with a form
 * elicitation whose message says exactly what will happen) or, on the client's retry, checks the answer:
 * - the sealed state (verified by the SDK: MAC, expiry) must name this caller, tool, rule and arguments,
 *   else `confirmation_invalid` (a replay for another call) and nothing runs;
 * - accept with `confirm: true` runs the call, unless what would happen changed since (asked again);
 * - an answer that does not fit the form (or none) is asked again once; a second one is a decline;
 * - decline, cancel or `confirm: false` → `confirmation_declined`, nothing changes.
 * A client that cannot be asked (2025-era protocol, or no form elicitation declared) gets
 * `confirmation_required` naming the rule. Reads for the summary (counting the trash) happen only after
 * the policy decided; nothing is written before the answer.
 */
import { acceptedContent, type InputRequiredResult, inputRequired, inputResponse } from "@modelcontextprotocol/server";
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import {
  CONFIRMATION_TTL_SECONDS,
  type ConfirmationCodec,
  hashArguments,
  hashSummary,
  isSameCall,
  newConfirmationNonce,
  type UsedConfirmations,
} from "../policy/confirmation";
import type { Decision } from "../policy/decide";
import { describeAccesses, describeRefusal } from "../policy/refusal";
import type { ToolCall } from "../tools/tool-call";
import type { SeamContext } from "./tool-seam";

/** How this request can carry a confirmation (from src/mcp/handle-mcp-post.ts). */
export interface ConfirmationChannel {
  /** A 2026-07-28 request whose envelope declares form elicitation. */
  readonly canAsk: boolean;
  /** Present when the policy has confirm rules (CONFIRMATION_SECRET). */
  readonly codec: ConfirmationCodec | undefined;
  /** Spends an accepted confirmation, so it runs its call once. */
  readonly used: UsedConfirmations;
}

/** What the client sent back on a retry (the handler's `ctx.mcpReq`). */
export interface ConfirmationRound {
  /** The verified `requestState` payload, or undefined on a first call. */
  readonly state: unknown;
  readonly responses: unknown;
}

const KEY = "confirm";
const answerSchema = z.object({
  confirm: z.boolean().describe("Check to let this happen; leave unchecked to change nothing."),
});

/** Whether a 2026-07-28 envelope declares form elicitation (`elicitation: {}` means form, per spec). */
export function declaresFormElicitation(meta: unknown): boolean {
  const capabilities = (meta as Record<string, unknown> | undefined)?.["io.modelcontextprotocol/clientCapabilities"];
  const elicitation = (capabilities as { elicitation?: unknown } | undefined)?.elicitation;
  if (typeof elicitation !== "object" || elicitation === null) return false;
  const modes = elicitation as Record<string, unknown>;
  return Object.keys(modes).length === 0 || "form" in modes;
}

async function summaryOf(call: Extract<ToolCall, { kind: "ready" }>, context: SeamContext): Promise<string> {
  const { tool } = call;
  if (tool.confirmation) {
    return tool.confirmation(call.input, {
      sandbox: context.sandbox,
      requestId: context.log.requestId,
      subject: context.principal.subject,
    });
  }
  return `Allow ${tool.name} to ${describeAccesses(call.accesses)}?`;
}

/** "confirmed" when the call may run now; otherwise the input request to answer with. Throws refusals. */
export async function confirmCall(
  call: Extract<ToolCall, { kind: "ready" }>,
  decision: Extract<Decision, { effect: "confirm" }>,
  context: SeamContext,
  round: ConfirmationRound,
): Promise<"confirmed" | InputRequiredResult> {
  const { channel, log, principal } = context;
  const tool = call.tool.name;
  if (!channel.canAsk || !channel.codec) {
    throw new ToolError("confirmation_required", describeRefusal(decision, tool), { rule: decision.rule });
  }
  const binding = {
    tenant: principal.tenant,
    subject: principal.subject,
    clientId: principal.clientId ?? null,
    tool,
    argumentsHash: await hashArguments(call.input),
    rule: decision.rule,
  };
  const summary = await summaryOf(call, context);
  const summaryHash = await hashSummary(summary);
  if (round.state !== undefined) {
    if (!isSameCall(round.state, binding)) {
      log.security({ type: "policy_refused", reason: "confirmation_other_call", rule: decision.rule, tool });
      throw new ToolError(
        "confirmation_invalid",
        `This confirmation was given for another call (rule ${decision.rule}); nothing was changed. Call again to be asked.`,
        { rule: decision.rule },
      );
    }
    const answer = inputResponse(round.responses as Record<string, unknown> | undefined, KEY);
    const accepted = acceptedContent(round.responses as Record<string, unknown> | undefined, KEY, answerSchema);
    if (answer.kind === "elicit" && (answer.action !== "accept" || accepted?.confirm === false)) {
      log.set({ decision: "confirm", rule: decision.rule });
      throw new ToolError("confirmation_declined", `Not confirmed (rule ${decision.rule}): nothing was changed.`, {
        rule: decision.rule,
      });
    }
    const {
      summaryHash: confirmedSummary,
      nonce,
      reasked,
    } = round.state as {
      summaryHash?: unknown;
      nonce?: unknown;
      reasked?: unknown;
    };
    if (accepted?.confirm === true && confirmedSummary === summaryHash) {
      // Spent before the call runs: a second use of the same state is refused, and a store that cannot
      // answer refuses this one (503 from the seam), so it never runs twice.
      if (typeof nonce !== "string" || !(await channel.used.firstUse(nonce, CONFIRMATION_TTL_SECONDS))) {
        log.security({ type: "policy_refused", reason: "confirmation_reused", rule: decision.rule, tool });
        throw new ToolError(
          "confirmation_invalid",
          `This confirmation was already used (rule ${decision.rule}); nothing was changed. Call again to be asked.`,
          { rule: decision.rule },
        );
      }
      return "confirmed";
    }
    // No usable answer (missing, or content that does not fit the form), or what would happen changed
    // since the human saw it: ask again, once. A client that cannot produce a fitting answer would
    // otherwise loop until it gives up; the second unusable answer is a decline and nothing runs.
    if (reasked === true) {
      log.set({ decision: "confirm", rule: decision.rule });
      throw new ToolError(
        "confirmation_declined",
        `No usable confirmation after asking twice (rule ${decision.rule}): nothing was changed. ` +
          'The answer must be accept with {"confirm": true}; call again to be asked anew.',
        { rule: decision.rule },
      );
    }
  }
  log.set({ decision: "confirm", rule: decision.rule, outcome: "ok" });
  return inputRequired({
    inputRequests: { [KEY]: inputRequired.elicit({ message: summary, requestedSchema: answerSchema }) },
    requestState: await channel.codec.mint({
      ...binding,
      summaryHash,
      nonce: newConfirmationNonce(),
      ...(round.state !== undefined ? { reasked: true as const } : {}),
    }),
  });
}
