/**
 * What a JSON-RPC message costs, decided before anything runs: `tools/call` asks the tool's own
 * `cost(input)` hook with the arguments parsed by the tool's zod schema; everything else (initialize,
 * tools/list, ping, invalid arguments, unknown tools) costs one unit. A cost hook that throws costs one
 * unit too: the seam will refuse the call on its own terms.
 */

import type { Operation } from "../limits/decisions";
import type { JsonRpcMessage } from "../mcp/json-rpc-message";
import type { ToolCost, ToolDefinition } from "../tools/tool-definition";

const ONE: ToolCost = { units: 1 };

function toolOf(
  message: JsonRpcMessage,
  findTool: (name: string) => ToolDefinition | undefined,
): ToolDefinition | undefined {
  if (message.method !== "tools/call") return undefined;
  const name = (message.params as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? findTool(name) : undefined;
}

export function requestCost(message: JsonRpcMessage, findTool: (name: string) => ToolDefinition | undefined): ToolCost {
  const tool = toolOf(message, findTool);
  if (!tool?.cost) return ONE;
  const parsed = tool.input.safeParse((message.params as { arguments?: unknown }).arguments ?? {});
  if (!parsed.success) return ONE;
  try {
    const cost = tool.cost(parsed.data);
    const whole = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0);
    return {
      units: Math.max(1, whole(cost.units)),
      writes: whole(cost.writes),
      deletes: whole(cost.deletes),
      bytesWritten: whole(cost.bytesWritten),
    };
  } catch {
    return ONE;
  }
}

/** Writes and deletes are never let through on a degraded limiter; reads may be (LIMITS_DEGRADED_READS). */
export function operationOf(
  message: JsonRpcMessage,
  findTool: (name: string) => ToolDefinition | undefined,
): Operation {
  const tool = toolOf(message, findTool);
  if (message.method === "tools/call" && !tool) return "read"; // unknown tool: the seam refuses it, nothing is written
  return tool && tool.scope !== "files:read" ? "write" : "read";
}
