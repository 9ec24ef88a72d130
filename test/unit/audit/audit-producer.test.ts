/**
 * The producer sends a request's events as few queue messages as it can (one for every request with up
 * to EVENTS_PER_MESSAGE events), each a complete `events` envelope, in order; nothing is dropped.
 */
import { describe, expect, it } from "vitest";
import { EVENTS_PER_MESSAGE, sendAuditEvents } from "../../../src/audit/audit-producer";
import type { OcsfEvent } from "../../../src/audit/ocsf-mapping";
import { recordingQueue } from "../../support/audit";

const event = (n: number) =>
  ({ class_uid: 6006, activity_id: 2, time: n, metadata: { uid: `e${n}` } }) as unknown as OcsfEvent;

describe("audit producer", () => {
  it("sends a request's events as one envelope", async () => {
    const queue = recordingQueue();
    await sendAuditEvents(queue, [event(1), event(2)], "req-1");
    expect(queue.messages.map((m) => m.body)).toEqual([{ kind: "events", events: [event(1), event(2)] }]);
  });

  it("splits many events into envelopes of at most EVENTS_PER_MESSAGE, in order, none lost", async () => {
    const queue = recordingQueue();
    const events = Array.from({ length: 2 * EVENTS_PER_MESSAGE + 1 }, (_, i) => event(i));
    await sendAuditEvents(queue, events, "req-2");
    const bodies = queue.messages.map((m) => m.body as { kind: string; events: OcsfEvent[] });
    expect(bodies.map((b) => b.events.length)).toEqual([EVENTS_PER_MESSAGE, EVENTS_PER_MESSAGE, 1]);
    expect(bodies.flatMap((b) => b.events)).toEqual(events);
  });

  it("sends nothing for a request without events", async () => {
    const queue = recordingQueue();
    await sendAuditEvents(queue, [], "req-3");
    expect(queue.messages).toEqual([]);
  });
});
