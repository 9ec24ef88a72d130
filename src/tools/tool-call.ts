/**
 * A `tools/call` message parsed once, at the edge: the tool looked up once, its input parsed once by the
 * tool's zod schema, and from that input its accesses (the policy) and its cost (src/http/request-cost.ts).
 * Everything later (admission, authorization, the seam) reads this value instead of re-parsing.
 *
 * A call whose input is invalid, or whose `access` hook refuses a path, still names its tool, so the
 * scope can be checked before the caller learns about its arguments (as before), and the seam answers
 * with the tool error; nothing runs.
 */
import type * as z from "zod";
import { ToolError } from "../errors/tool-error";
import type { Access } from "../policy/access";
import type { ToolDefinition } from "./tool-definition";

export type ToolCall =
  | {
      readonly kind: "ready";
      readonly tool: ToolDefinition;
      readonly input: unknown;
      readonly accesses: readonly Access[];
    }
  | {
      readonly kind: "invalid";
      readonly tool: ToolDefinition;
      readonly error: ToolError;
      /** As sent, for the audit trail only (never echoed). */
      readonly rawArguments: unknown;
    }
  | { readonly kind: "unknown"; readonly name: string };

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "arguments"}: ${issue.message}`)
    .join("; ");
}

/** `undefined` for anything but `tools/call`. */
export function parseToolCall(
  message: { readonly method?: unknown; readonly params?: unknown; readonly [field: string]: unknown },
  findTool: (name: string) => ToolDefinition | undefined,
): ToolCall | undefined {
  if (message.method !== "tools/call") return undefined;
  const params = message.params as { name?: unknown; arguments?: unknown } | undefined;
  const name = typeof params?.name === "string" ? params.name : "";
  const tool = findTool(name);
  if (!tool) return { kind: "unknown", name: name.slice(0, 64) };
  const parsed = tool.input.safeParse(params?.arguments ?? {});
  if (!parsed.success) {
    return {
      kind: "invalid",
      tool,
      error: new ToolError("invalid_arguments", `Invalid arguments: ${describeIssues(parsed.error)}`),
      rawArguments: params?.arguments,
    };
  }
  let accesses: readonly Access[];
  try {
    accesses = tool.access(parsed.data);
  } catch (error) {
    if (error instanceof ToolError) return { kind: "invalid", tool, error, rawArguments: params?.arguments };
    throw error;
  }
  // A tool declaring an action it did not list would slip past toolsList "permitted": a bug, not a refusal.
  const undeclared = accesses.find((access) => !tool.actions.includes(access.action));
  if (undeclared) throw new Error(`${tool.name} declared an undeclared action ${undeclared.action}`);
  return { kind: "ready", tool, input: parsed.data, accesses };
}
