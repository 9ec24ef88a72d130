/**
 * A session's operations through the real Worker and SDK client end up as OCSF events in the AUDIT
 * bucket (Miniflare R2), in a trail the verifier accepts and that one flipped byte breaks; refused
 * calls and failed authentications are events too; nothing secret is stored; the failure modes keep
 * every event (queue down → console; R2 down → retry; poison → DLQ path).
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { queueUnavailableCount } from "../../../src/audit/audit-producer";
import { queryEvents } from "../../../src/audit/trail-query";
import { readBatches, verifyBucket } from "../../../src/audit/trail-reader";
import type { Env } from "../../../src/env";
import { AUDIT_EVENT_META_KEY } from "../../../src/mcp/tool-seam";
import {
  auditPublicJwk,
  clearAudit,
  drain,
  type RecordingQueue,
  recordingQueue,
  runConsumer,
  type StoredEvent,
  storedEvents,
} from "../../support/audit";
import { faultyBucket } from "../../support/faulty-bucket";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { callTool, connectClient } from "../../support/mcp-client";
import { mintToken } from "../../support/tokens";
import { makeEnv, postMcp, toolCall } from "../../support/worker";

let key: TestKey;
let queue: RecordingQueue;
let workerEnv: Env;

beforeAll(async () => {
  key = await createTestKey("audit-trail");
});

beforeEach(async () => {
  await clearAudit();
  queue = recordingQueue();
  workerEnv = makeEnv(key, { AUDIT_QUEUE: queue });
});

afterEach(() => vi.restoreAllMocks());

async function session(tenant: string, scope = "files:read files:write files:delete") {
  const token = await mintToken({ key, claims: { sub: tenant, scope } });
  return { token, client: await connectClient(workerEnv, token) };
}

describe("audit trail through the Worker", () => {
  it("records a session's operations as OCSF events in a trail that verifies", async () => {
    const { client, token } = await session("acme");
    await callTool(client, "write_file", { path: "payroll/nov.csv", content: "alice,100\n" });
    await callTool(client, "read_text_file", { path: "payroll/nov.csv" });
    await callTool(client, "move_file", { source: "payroll/nov.csv", destination: "payroll/2026-11.csv" });
    await callTool(client, "delete_file", { path: "payroll/2026-11.csv" });
    await callTool(client, "read_text_file", { path: "../other-tenant/secret.txt" });
    const result = await drain(workerEnv, queue);
    expect(result.retryMessages).toEqual([]);

    const events = await storedEvents();
    const files = events.filter((e) => e.class_uid === 6006);
    expect(files.map((e) => [e.unmapped.tool, e.activity_name, e.status, e.file.path])).toEqual([
      ["write_file", "Upload", "Success", "/payroll/nov.csv"],
      ["read_text_file", "Download", "Success", "/payroll/nov.csv"],
      ["move_file", "Move", "Success", "/payroll/nov.csv"],
      ["delete_file", "Delete", "Success", "/payroll/2026-11.csv"],
      ["read_text_file", "Download", "Failure", "../other-tenant/secret.txt"],
    ]);
    expect(files[0]!.unmapped.bytes_written).toBe(10);
    expect(files[1]!.unmapped.bytes_read).toBeGreaterThanOrEqual(10);
    expect(files[2]!.file_result.path).toBe("/payroll/2026-11.csv");
    expect(files[0]!.actor.authorizations).toEqual([{ decision: "allowed", policy: { uid: "scope:files:write" } }]);
    expect(files[4]!.actor.authorizations[0].decision).toBe("denied");
    expect(files[4]!.actor.authorizations[0].policy.uid).toMatch(/^path:/);
    for (const event of files) {
      expect(event.metadata.tenant_uid).toBe("acme");
      expect(event.actor.user.uid).toBe("acme");
      expect(event.metadata.correlation_uid).toMatch(/^[0-9a-f-]{36}$/);
    }
    // initialize, notifications and tools/list are API Activity; each request authenticated once.
    expect(events.some((e) => e.class_uid === 6003 && e.api.operation === "initialize")).toBe(true);
    expect(events.filter((e) => e.class_uid === 3002).every((e) => e.status === "Success")).toBe(true);
    // Nothing secret or content-bearing was stored.
    const stored = (await readBatches(env.AUDIT)).map((b) => b.text).join("");
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.split(".")[2]!);
    expect(stored).not.toContain("alice,100");

    const report = await verifyBucket(env.AUDIT, [auditPublicJwk()]);
    expect(report).toMatchObject({ ok: true, batches: 1 });
    expect(report.events).toBe(events.length);

    // "Who touched this path?"
    const touched = queryEvents(await readBatches(env.AUDIT), { tenant: "acme", path: "/payroll/**" });
    expect(touched.map((e) => e.unmapped.tool)).toEqual(["write_file", "read_text_file", "move_file", "delete_file"]);
    expect(queryEvents(await readBatches(env.AUDIT), { tenant: "other", path: "/payroll/**" })).toEqual([]);
  });

  it("each tool result names its audit event in _meta, and the trail finds the call by it", async () => {
    const { client } = await session("acme-ids");
    const written = await callTool(client, "write_file", { path: "ids/a.txt", content: "x" });
    const refused = await callTool(client, "read_text_file", { path: "../escape.txt" });
    const writtenId = written._meta?.[AUDIT_EVENT_META_KEY];
    const refusedId = refused._meta?.[AUDIT_EVENT_META_KEY];
    expect(writtenId).toMatch(/^[0-9a-f-]{36}$/);
    expect(refusedId).toMatch(/^[0-9a-f-]{36}$/);
    await drain(workerEnv, queue);
    const batches = await readBatches(env.AUDIT);
    const [found] = queryEvents(batches, { event: String(writtenId) });
    expect(found).toMatchObject({ metadata: { uid: writtenId }, unmapped: { tool: "write_file" } });
    expect(found?.file.path).toBe("/ids/a.txt");
    expect(queryEvents(batches, { event: String(refusedId) })[0]?.status).toBe("Failure");
    // An id of another tenant's event is not found under this tenant.
    expect(queryEvents(batches, { event: String(writtenId), tenant: "other" })).toEqual([]);
  });

  it("fails verification after one flipped byte in a stored batch", async () => {
    const { client } = await session("flip");
    await callTool(client, "list_directory", { path: "/" });
    await drain(workerEnv, queue);
    const [batch] = await readBatches(env.AUDIT);
    const bytes = new TextEncoder().encode(batch!.text);
    const index = bytes.length - 10;
    bytes[index] = bytes[index]! ^ 0x01;
    await env.AUDIT.put(batch!.key, bytes);
    const report = await verifyBucket(env.AUDIT, [auditPublicJwk()]);
    expect(report.ok).toBe(false);
    expect(report.firstBad?.key).toBe(batch!.key);
  });

  it("records refusals with the deciding scope, and failed authentications without the token", async () => {
    const { client } = await session("reader", "files:read");
    const refused = await postMcp(workerEnv, toolCall("delete_file", { path: "a.txt" }), {
      authorization: `Bearer ${await mintToken({ key, claims: { sub: "reader", scope: "files:read" } })}`,
    });
    expect(refused.status).toBe(403);
    await callTool(client, "list_directory", { path: "/" });
    const forged = `${(await mintToken({ key, claims: { sub: "mallory" } })).slice(0, -4)}AAAA`;
    expect(
      (await postMcp(workerEnv, toolCall("list_directory", { path: "/" }), { authorization: `Bearer ${forged}` }))
        .status,
    ).toBe(401);
    await drain(workerEnv, queue);

    const events = await storedEvents();
    const deleteEvent = events.find((e) => e.unmapped?.tool === "delete_file")!;
    expect(deleteEvent).toMatchObject({
      class_uid: 6006,
      activity_id: 4,
      status: "Failure",
      status_detail: "insufficient_scope",
      file: { path: "/a.txt" },
      actor: { authorizations: [{ decision: "denied", policy: { uid: "scope:files:delete" } }] },
    });
    const failed = events.filter((e) => e.class_uid === 3002 && e.status === "Failure");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status_detail: "bad_signature", user: { type: "Unknown" } });
    expect(JSON.stringify(events)).not.toContain(forged.split(".")[1]!);
  });

  it("carries the trace id from the traceparent header and from _meta", async () => {
    const token = await mintToken({ key, claims: { sub: "tracer" } });
    const headers = { authorization: `Bearer ${token}` };
    await postMcp(workerEnv, toolCall("list_directory", { path: "/" }), {
      ...headers,
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    });
    const withMeta = toolCall("list_directory", { path: "/" }, 2) as { params: Record<string, unknown> };
    withMeta.params._meta = { traceparent: "00-11111111111111111111111111111111-2222222222222222-01" };
    await postMcp(workerEnv, withMeta, headers);
    await drain(workerEnv, queue);
    const traces = (await storedEvents()).filter((e) => e.class_uid === 6006).map((e) => e.trace?.uid);
    expect(traces).toEqual(["4bf92f3577b34da6a3ce929d0e0e4736", "11111111111111111111111111111111"]);
  });

  it("answers when the queue is unreachable and logs the events with a queue_unavailable marker", async () => {
    const { client } = await session("offline");
    queue.failing = true;
    const logs = captureLogs();
    const before = queueUnavailableCount();
    const result = await callTool(client, "list_directory", { path: "/" });
    logs.restore();
    expect(result.isError).toBeFalsy();
    // The session's last notification may still be settling when the queue goes down (its events are
    // sent after its answer): pick the tool call's line by its file event.
    const classes = (r: Record<string, unknown>) =>
      (r.events as { class_uid: number }[]).map((e) => e.class_uid).sort();
    const marked = logs.records().filter((r) => r.marker === "queue_unavailable" && classes(r).includes(6006));
    expect(marked).toHaveLength(1);
    expect(marked[0]!.queueUnavailableTotal).toBeGreaterThan(before);
    expect(classes(marked[0]!)).toEqual([3002, 6006]);
    expect(await storedEvents()).toEqual([]);
  });

  it("retries every message when R2 fails, and sends a poison message towards the DLQ", async () => {
    const { client } = await session("r2down");
    await callTool(client, "list_directory", { path: "/" });
    const bodies = queue.messages.splice(0).map((m) => m.body);
    const broken = makeEnv(key, { AUDIT_QUEUE: queue, AUDIT: faultyBucket(env.AUDIT, { fail: ["put"] }) });
    const failed = await runConsumer(broken, [...bodies, { not: "an event" }]);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages).toHaveLength(bodies.length + 1);
    expect(await storedEvents()).toEqual([]);

    // Redelivered after R2 recovers: stored once, the poison message is retried again (→ DLQ).
    const recovered = await runConsumer(workerEnv, [...bodies, { not: "an event" }], 2);
    expect(recovered.explicitAcks).toHaveLength(bodies.length);
    expect(recovered.retryMessages).toHaveLength(1);
    // One message per request (the session's handshake and the call), each carrying that request's events.
    const sent = (bodies as { events: StoredEvent[] }[]).flatMap((body) => body.events);
    expect((await storedEvents()).length).toBe(sent.length);
    expect((await verifyBucket(env.AUDIT, [auditPublicJwk()])).ok).toBe(true);
  });

  it("takes a request's events as one envelope; one malformed event keeps the whole envelope out of the trail", async () => {
    const { client } = await session("envelope");
    await callTool(client, "list_directory", { path: "/" });
    // The last message is the tool call's: its authentication and file events together.
    const envelope = queue.messages
      .splice(0)
      .map((m) => m.body)
      .at(-1) as { kind: string; events: StoredEvent[] };
    expect(envelope).toMatchObject({ kind: "events" });
    expect(envelope.events.map((e) => e.class_uid).sort()).toEqual([3002, 6006]);

    const spoiled = { kind: "events", events: [envelope.events[0], { class_uid: "not a number" }] };
    const tooMany = { kind: "events", events: Array.from({ length: 5 }, () => envelope.events[0]) };
    const refused = await runConsumer(workerEnv, [spoiled, tooMany, { kind: "events", events: [] }]);
    expect(refused.retryMessages).toHaveLength(3); // retried, then the dead-letter queue keeps them
    expect(refused.explicitAcks).toEqual([]);
    expect(await storedEvents()).toEqual([]);

    // A bare event, as earlier versions sent (still in the queue during a deploy), is taken as before.
    const taken = await runConsumer(workerEnv, [envelope.events[0], envelope]);
    expect(taken.explicitAcks).toHaveLength(2);
    expect((await storedEvents()).map((e) => e.class_uid).sort()).toEqual([3002, 6006]); // duplicates once
  });

  it("without AUDIT_SIGNING_KEY: requests get 503 naming it, and the consumer keeps every message", async () => {
    const unsigned = makeEnv(key, { AUDIT_QUEUE: queue, AUDIT_SIGNING_KEY: undefined });
    const token = await mintToken({ key, claims: { sub: "nokey" } });
    const response = await postMcp(unsigned, toolCall("list_directory", { path: "/" }), {
      authorization: `Bearer ${token}`,
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("AUDIT_SIGNING_KEY");
    const logs = captureLogs();
    const result = await runConsumer(unsigned, [
      { kind: "sink_retry" },
      { class_uid: 6006, activity_id: 2, time: 1, metadata: { uid: "u1" } },
    ]);
    logs.restore();
    expect(result.retryMessages).toHaveLength(2);
    expect(logs.records().find((r) => r.marker === "consumer_misconfigured")?.variable).toBe("AUDIT_SIGNING_KEY");
    expect(await storedEvents()).toEqual([]);
  });
});
