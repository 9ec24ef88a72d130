/**
 * Hands a request's events to the queue, after the response (ctx.waitUntil). One queue message per
 * event, so a single malformed event cannot take a whole request's events to the dead-letter queue.
 *
 * If the queue cannot be reached the request has already been answered; the events are not dropped:
 * they go to the console (Workers Logs / Logpush keep them) on a line marked `queue_unavailable`, with
 * this isolate's running count of such failures so a dashboard can alert on it.
 */
import type { OcsfEvent } from "./ocsf-mapping";

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
    await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
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
