/**
 * Hands a request's events to the queue, after the response (ctx.waitUntil): one message per request
 * (an `events` envelope, at most EVENTS_PER_MESSAGE events each, so a message stays far below the
 * queue's 128 KB), since the send is paid per request and per message (CPU, and Queues bills
 * operations). The consumer validates the envelope as a whole: a malformed event sends its envelope to
 * the dead-letter queue with the events beside it, where they are kept, never half-written.
 *
 * If the queue cannot be reached the request has already been answered; the events are not dropped:
 * they go to the console (Workers Logs / Logpush keep them) on a line marked `queue_unavailable`, with
 * this isolate's running count of such failures so a dashboard can alert on it.
 */
import type { OcsfEvent } from "./ocsf-mapping";

/** Events are capped (strings 1 KiB, arrays 100 items; redaction.ts), so 4 stay well within a message. */
export const EVENTS_PER_MESSAGE = 4;

/** The body of one queue message: a request's events (the consumer also takes a bare event). */
export interface EventEnvelope {
  readonly kind: "events";
  readonly events: readonly OcsfEvent[];
}

function envelopes(events: readonly OcsfEvent[]): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
    out.push({ kind: "events", events: events.slice(i, i + EVENTS_PER_MESSAGE) });
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
