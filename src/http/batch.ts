/**
 * JSON-RPC batches for MCP 2025-03-26 clients, the one revision whose transport requires servers to
 * accept them (a POST whose `MCP-Protocol-Version` is `2025-03-26`, or absent, which means 2025-03-26).
 * Later revisions removed batches; they keep the precise refusal (400, -32600).
 *
 * A batch is never a way around a decision: each member is served in turn by the very path a single POST
 * takes after authentication (`serveMessage`: protocol headers, policy, rate limits and quotas, the
 * seam), with its own request log line and audit events (request id `<batch id>.<n>`), so a batch of N
 * calls spends what N POSTs would and is refused where they would be. At most MAX_BATCH_MESSAGES members;
 * the body cap (MAX_REQUEST_BYTES) holds for the batch as a whole.
 *
 * The answer is one JSON array of the members' answers in order (notifications and responses get none;
 * a batch of only those gets 202). A member refused with an HTTP answer (403 step-up, 429, 400, 503)
 * becomes that answer's JSON-RPC error with the member's id; its `WWW-Authenticate` and `Retry-After`
 * are passed on in the batch's headers.
 */
import { createRequestLog } from "../audit/audit-log";
import { sendAuditEvents } from "../audit/audit-producer";
import { createRequestAudit, requestOriginOf } from "../audit/request-audit";
import type { Principal } from "../auth/principal";
import { HEADERLESS_REVISION } from "../mcp/protocol-revisions";
import { acceptMessage } from "./accept-message";
import { asMessage, batchesRefused, type ParsedMessage } from "./body";
import type { Edge } from "./edge";
import { HttpError, jsonRpcErrorResponse } from "./responses";

/** Members per batch: each is a full call (its own limit check and audit events), so a batch is bounded. */
export const MAX_BATCH_MESSAGES = 20;

type ServeMessage = (edge: Edge, principal: Principal, parsed: ParsedMessage) => Promise<Response>;

/** Headers of members' answers a client should still see on the batch's. */
const PASSED_ON = ["www-authenticate", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"];

function idOf(value: unknown): string | number | null {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** Notifications and responses get no answer (JSON-RPC 2.0 §6); requests and invalid members do. */
function expectsAnswer(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return true;
  const message = value as { method?: unknown; id?: unknown; result?: unknown; error?: unknown };
  if (typeof message.method !== "string") return !("result" in message || "error" in message);
  return message.id !== undefined;
}

/** A member's answer as the batch carries it: its JSON-RPC response, or the HTTP refusal's error. */
async function entryOf(response: Response): Promise<unknown> {
  if (response.status === 202) return undefined;
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { jsonrpc: "2.0", id: null, error: { code: -32603, message: "Internal error: unreadable answer" } };
  }
}

/** Per-member log and audit, finished after the batch's answer like the middleware finishes a request's. */
function memberEdge(edge: Edge, principal: Principal, index: number): { edge: Edge; finish: (status: number) => void } {
  const requestId = `${edge.log.requestId}.${index}`;
  const audit = createRequestAudit(requestId, requestOriginOf(edge.request), { batchMember: true });
  const log = createRequestLog(requestId, Date.now, undefined, audit);
  // Authenticated once, for the batch: each member acts as the same principal.
  log.set({ tenant: principal.tenant, subject: principal.subject, clientId: principal.clientId });
  audit.authenticated(principal);
  const request = new Request(edge.request.url, { method: "POST", headers: edge.request.headers });
  return {
    edge: { ...edge, request, log, audit },
    finish(status) {
      const answeredAt = Date.now();
      edge.defer(
        Promise.resolve().then(() => {
          const events = audit.finish(status, "POST", "/mcp");
          const sent = events.length > 0 ? sendAuditEvents(edge.env.AUDIT_QUEUE, events, requestId) : undefined;
          log.finish(status, "POST", "/mcp", edge.state.config.logLevel, answeredAt);
          return sent;
        }),
      );
    },
  };
}

export async function serveBatch(
  edge: Edge,
  principal: Principal,
  members: readonly unknown[],
  serveMessage: ServeMessage,
): Promise<Response> {
  const revision = edge.request.headers.get("mcp-protocol-version")?.trim();
  if (revision !== undefined && revision !== HEADERLESS_REVISION) throw batchesRefused();
  edge.log.set({ rpcMethod: "batch" });
  if (members.length === 0) {
    throw new HttpError(jsonRpcErrorResponse(400, -32600, "Invalid Request: an empty batch"));
  }
  if (members.length > MAX_BATCH_MESSAGES) {
    edge.log.set({ outcome: "client_error", errorCode: "batch_too_large" });
    throw new HttpError(
      jsonRpcErrorResponse(
        400,
        -32600,
        `Invalid Request: a batch holds at most ${MAX_BATCH_MESSAGES} messages; this one has ${members.length}. ` +
          "Nothing was run; send them in smaller batches or one per POST.",
      ),
    );
  }
  const entries: unknown[] = [];
  const headers = new Headers({ "content-type": "application/json" });
  for (const [index, value] of members.entries()) {
    const member = memberEdge(edge, principal, index);
    let response: Response;
    try {
      // initialize opens a session's lifecycle; 2025-03-26 forbids it in a batch.
      if ((value as { method?: unknown } | null)?.method === "initialize") {
        throw new HttpError(
          jsonRpcErrorResponse(400, -32600, "Invalid Request: initialize cannot be part of a batch", {}, idOf(value)),
        );
      }
      response = await serveMessage(member.edge, principal, acceptMessage(member.edge, asMessage(value)));
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      // The stage that refused has set the outcome (denied, rate_limited, …) as for a single POST.
      response = error.response;
    }
    member.finish(response.status);
    for (const name of PASSED_ON) {
      const value = response.headers.get(name);
      if (value !== null && !headers.has(name)) headers.set(name, value);
    }
    const entry = await entryOf(response);
    if (entry === undefined || !expectsAnswer(value)) continue;
    // A refusal built before the member's id was known (e.g. its protocol headers) still answers that id.
    if (typeof entry === "object" && entry !== null && (entry as { id?: unknown }).id === null) {
      (entry as { id: unknown }).id = idOf(value);
    }
    entries.push(entry);
  }
  edge.log.set({ outcome: "ok" });
  if (entries.length === 0) return new Response(null, { status: 202, headers });
  return new Response(JSON.stringify(entries), { status: 200, headers });
}
