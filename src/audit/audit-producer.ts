/**
 * Hands a request's events to the queue, after the response (ctx.waitUntil): one message per request
 * (an `events` envelope of at most EVENTS_PER_MESSAGE events and MESSAGE_BUDGET_BYTES of JSON; a
 * request with more sends several), since the send is paid per request and per message (CPU, and
 * Queues bills operations). The consumer validates the envelope as a whole: a malformed event sends its envelope to
 * the dead-letter queue with the events beside it, where they are kept, never half-written.
 *
 * If the queue cannot be reached the request has already been answered; the events are not dropped:
 * they go to the console (Workers Logs / Logpush keep them) on a line marked `queue_unavailable`, with
 * this isolate's running count of such failures so a dashboard can alert on it.
 */
import type { OcsfEvent } from "./ocsf-mapping";

export const EVENTS_PER_MESSAGE = 4;
// Below the queue's 128 KB per message, with room for the envelope. A usual event is under 1 KB; one
// naming 50 long paths can reach about 55 KB (strings are capped at 1 KiB by redaction.ts).
export const MESSAGE_BUDGET_BYTES = 100_000;

/** The body of one queue message: a request's events (the consumer also takes a bare event). */
export interface EventEnvelope {
  readonly kind: "events";
  readonly events: readonly OcsfEvent[];
}

/** In order; a new envelope when the count or the byte budget would be passed (UTF-16 length ≥ bytes / 3). */
function envelopes(events: readonly OcsfEvent[]): EventEnvelope[] {
  const out: { kind: "events"; events: OcsfEvent[] }[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = 3 * JSON.stringify(event).length;
    const current = out.at(-1);
    if (!current || current.events.length >= EVENTS_PER_MESSAGE || bytes + size > MESSAGE_BUDGET_BYTES) {
      out.push({ kind: "events", events: [event] });
      bytes = size;
    } else {
      current.events.push(event);
      bytes += size;
    }
  }
  return out;
}

let queueUnavailableTotal = 0;

/** For tests and the console line: how many sends failed in this isolate. */
export function queueUnavailableCount(): number {
  return queueUnavailableTotal;
}

export async function sendAuditEvents(
  queue: Queue<unknown> | undefined,
  events: readonly OcsfEvent[],
  requestId: string,
): Promise<void> {
  if (events.length === 0) return;
  try {
    if (!queue) throw new Error("AUDIT_QUEUE binding is missing");
    const messages = envelopes(events);
    if (messages.length === 1) await queue.send(messages[0], { contentType: "json" });
    else await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    queueUnavailableTotal++;
    console.log(
      JSON.stringify({
        kind: "audit",
        marker: "queue_unavailable",
        requestId,
        queueUnavailableTotal,
        error: error instanceof Error ? error.name : typeof error,
        events,
      }),
    );
  }
}
