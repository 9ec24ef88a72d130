/**
 * One message of a POST (the body, or one member of a batch) accepted for the pipeline: recorded for
 * the audit trail, its protocol headers checked against it (protocol-headers.ts: the 2026-07-28
 * header/body agreement and revision checks, before any decision is taken from the body). Part of the
 * message stage, loaded after the body is read (mcp-pipeline.ts), because the header checks use the MCP
 * SDK and the tool registry.
 */
import type { JsonRpcMessage, ParsedMessage } from "./body";
import type { Edge } from "./edge";
import { checkProtocolHeaders } from "./protocol-headers";

export function acceptMessage(edge: Edge, message: JsonRpcMessage): ParsedMessage {
  edge.audit.message(message);
  const era = checkProtocolHeaders(edge.request.headers, message);
  if (typeof message.method === "string") edge.log.set({ rpcMethod: message.method.slice(0, 64) });
  const id = typeof message.id === "string" || typeof message.id === "number" ? message.id : null;
  return { message, id, era };
}
