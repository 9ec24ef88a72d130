/**
 * A tool is data: name, description, input schema, required scope, annotations, and a `run` function
 * that receives typed input and the caller's `Sandbox`, plus `access`, declaring what a call will touch. It never sees the MCP server, the HTTP request or
 * the bucket, so authorization, auditing and error mapping (in `mcp/tool-seam.ts`) cannot be skipped.
 */
import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/server";
import type * as z from "zod";
import type { Scope } from "../auth/principal";
import type { Access, Action } from "../policy/access";
import type { Sandbox } from "../sandbox/sandbox";

export interface ToolContext {
  readonly sandbox: Sandbox;
  readonly requestId: string;
  /** Stable caller identity for metadata such as "deleted by"; never a credential. */
  readonly subject: string;
}

export type ToolOutput = Pick<CallToolResult, "content" | "structuredContent">;

/**
 * What one call consumes, for request rate limits and daily quotas. `units` weighs the call against the
 * request limit (1 = an ordinary call); the others count toward the tenant's daily quotas. Estimated from
 * the input before the call runs, so a refusal happens before any work.
 */
export interface ToolCost {
  readonly units: number;
  readonly writes?: number;
  readonly deletes?: number;
  readonly bytesWritten?: number;
}

export interface ToolDefinition<Input = unknown> {
  readonly name: string;
  readonly title: string;
  /** Says when to use the tool and what it returns; the model reads this. */
  readonly description: string;
  readonly scope: Scope;
  readonly input: z.ZodType<Input>;
  /** When present, results carry `structuredContent` conforming to it. */
  readonly output?: z.ZodType;
  readonly annotations: Required<
    Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">
  >;
  /** Defaults to `{ units: 1 }`. */
  cost?(input: Input): ToolCost;
  /** Every action `access` can declare; `toolsList: "permitted"` judges the tool by them. */
  readonly actions: readonly Action[];
  /**
   * What a call touches, from its input alone, before it runs: the access policy decides on this before
   * any R2 access (src/policy/decide.ts). Paths go through `touch` (src/tools/tool-access.ts).
   */
  access(input: Input): readonly Access[];
  /**
   * The question a human confirms when a policy rule asks for confirmation: exactly what the call will
   * do ("Permanently delete 12 items from the trash?"). May read, never write. Default: the accesses.
   */
  confirmation?(input: Input, context: ToolContext): Promise<string>;
  run(input: Input, context: ToolContext): Promise<ToolOutput>;
}

/** Keeps `Input` inferred from the schema at each definition site. */
export function defineTool<Schema extends z.ZodType>(
  definition: ToolDefinition<z.output<Schema>> & { input: Schema },
): ToolDefinition {
  return definition as unknown as ToolDefinition;
}

export function textResult(text: string, structuredContent?: Record<string, unknown>): ToolOutput {
  return { content: [{ type: "text", text }], ...(structuredContent ? { structuredContent } : {}) };
}
