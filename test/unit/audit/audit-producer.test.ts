/**
 * The producer sends a request's events as few queue messages as it can (one for every request with up
 * to EVENTS_PER_MESSAGE events), each a complete `events` envelope, in order; nothing is dropped.
 */
import { describe, expect, it } from "vitest";
import { EVENTS_PER_MESSAGE, MESSAGE_BUDGET_BYTES, sendAuditEvents } from "../../../src/audit/audit-producer";
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

  it("keeps every message under the queue's 128 KB: large events travel in envelopes of their own", async () => {
    const queue = recordingQueue();
    // 50 paths of 1 KiB (what redaction lets through for a refused read_multiple_files): about 51 KB.
    const large = (n: number) =>
      ({
        ...event(n),
        unmapped: { paths: Array.from({ length: 50 }, () => "p".repeat(1024)) },
      }) as unknown as OcsfEvent;
    const events = [event(0), large(1), large(2), event(3)];
    await sendAuditEvents(queue, events, "req-4");
    const bodies = queue.messages.map((m) => m.body as { events: OcsfEvent[] });
    expect(bodies.flatMap((b) => b.events)).toEqual(events);
    for (const body of bodies) {
      expect(new TextEncoder().encode(JSON.stringify(body)).byteLength).toBeLessThan(128_000);
    }
    // The two large events (51 KB each, 153 KB by the conservative estimate) never share a message.
    expect(bodies.every((b) => b.events.filter((e) => "unmapped" in e).length <= 1)).toBe(true);
    expect(MESSAGE_BUDGET_BYTES).toBeLessThan(128_000);
  });

  it("sends nothing for a request without events", async () => {
    const queue = recordingQueue();
    await sendAuditEvents(queue, [], "req-3");
    expect(queue.messages).toEqual([]);
  });
});
