/**
 * What a JSON-RPC message costs, decided before anything runs, from the call parsed once at the edge
 * (src/tools/tool-call.ts): a ready `tools/call` asks the tool's own `cost(input)` hook; everything else
 * (initialize, tools/list, ping, invalid arguments, unknown tools) costs one unit. A cost hook that throws
 * costs one unit too: the seam will refuse the call on its own terms.
 */
import type { Operation } from "../limits/decisions";
import type { ToolCall } from "../tools/tool-call";
import type { ToolCost } from "../tools/tool-definition";

const ONE: ToolCost = { units: 1 };

export function requestCost(call: ToolCall | undefined): ToolCost {
  if (call?.kind !== "ready" || !call.tool.cost) return ONE;
  try {
    const cost = call.tool.cost(call.input);
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
export function operationOf(call: ToolCall | undefined): Operation {
  // Not a call, or an unknown tool: the seam refuses it, nothing is written.
  if (call === undefined || call.kind === "unknown") return "read";
  return call.tool.scope !== "files:read" ? "write" : "read";
}
