/**
 * SIEM sink and anomaly alerts, through the real consumer and Miniflare R2; the internet (sink and
 * webhook) is the only thing mocked, with a fetch spy. Each detector fires once at its threshold, not
 * below it, not again within its cooldown, and its finding is both in the trail and at the webhook.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { verifyBucket } from "../../../src/audit/trail-reader";
import type { Env } from "../../../src/env";
import {
  auditPublicJwk,
  clearAudit,
  drain,
  type RecordingQueue,
  recordingQueue,
  runConsumer,
  storedEvents,
} from "../../support/audit";
import { createTestKey, type TestKey } from "../../support/keys";
import { mintToken } from "../../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../../support/worker";

const SINK = "https://siem.example.test/ingest";
const WEBHOOK = "https://alerts.example.test/hook";

let key: TestKey;
let queue: RecordingQueue;
let calls: { url: string; headers: Headers; body: string }[];
let sinkStatus: number;

beforeAll(async () => {
  key = await createTestKey("audit-alerts");
});

beforeEach(async () => {
  await clearAudit();
  queue = recordingQueue();
  calls = [];
  sinkStatus = 200;
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (request.url !== SINK && request.url !== WEBHOOK) return realFetch(input as RequestInfo, init);
    calls.push({ url: request.url, headers: request.headers, body: await request.text() });
    return new Response(null, { status: request.url === SINK ? sinkStatus : 200 });
  });
});

afterEach(() => vi.restoreAllMocks());

let counter = 0;
function envWith(overrides: Partial<Env> = {}): Env {
  // A fresh env per test: the consumer's detector state (in-memory in development) is per env.
  return makeEnv(key, {
    AUDIT_QUEUE: queue,
    AUDIT_SINK_URL: SINK,
    AUDIT_SINK_TOKEN: "Splunk 0f1e2d3c-sink-token",
    ALERT_WEBHOOK_URL: WEBHOOK,
    ALLOWED_ORIGINS: `https://app${++counter}.example.test`,
    ...overrides,
  });
}

const sinkCalls = () => calls.filter((c) => c.url === SINK);
const alerts = () => calls.filter((c) => c.url === WEBHOOK).map((c) => JSON.parse(c.body));

async function listAs(workerEnv: Env, sub: string, init: { cf?: Record<string, unknown>; ip?: string } = {}) {
  const token = await mintToken({ key, claims: { sub } });
  return callWorker(
    workerEnv,
    new Request("https://files.example.test/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-11-25",
        authorization: `Bearer ${token}`,
        ...(init.ip ? { "cf-connecting-ip": init.ip } : {}),
      },
      body: JSON.stringify(toolCall("list_directory", { path: "/" })),
      ...(init.cf ? { cf: init.cf } : {}),
    }),
  );
}

describe("SIEM sink", () => {
  it("receives each batch as NDJSON with the configured Authorization", async () => {
    const workerEnv = envWith();
    await listAs(workerEnv, "siem");
    await drain(workerEnv, queue);
    expect(sinkCalls()).toHaveLength(1);
    const [call] = sinkCalls();
    expect(call!.headers.get("content-type")).toBe("application/x-ndjson");
    expect(call!.headers.get("authorization")).toBe("Splunk 0f1e2d3c-sink-token");
    expect(call!.headers.get("x-audit-batch-sequence")).toBe("1");
    const lines = call!.body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((e) => e.class_uid).sort()).toEqual([3002, 6006]);
  });

  it("a failing sink loses nothing: R2 keeps the batch, the backlog arrives in order once it is back", async () => {
    const workerEnv = envWith();
    sinkStatus = 503;
    await listAs(workerEnv, "siem-down");
    const first = await drain(workerEnv, queue);
    expect(first.retryMessages).toEqual([]); // the R2 copy exists: messages are acknowledged
    expect(sinkCalls()).toHaveLength(3); // three attempts with backoff
    expect(queue.messages).toEqual([{ body: { kind: "sink_retry" }, delaySeconds: 60 }]);
    expect((await storedEvents()).length).toBe(2);

    await listAs(workerEnv, "siem-down");
    await drain(workerEnv, queue); // the sink_retry message and the new events, still failing
    calls = [];
    sinkStatus = 200;
    await runConsumer(
      workerEnv,
      queue.messages.splice(0).map((m) => m.body),
    );
    expect(sinkCalls().map((c) => c.headers.get("x-audit-batch-sequence"))).toEqual(["1", "2"]);
    expect((await verifyBucket(env.AUDIT, [auditPublicJwk()])).ok).toBe(true);
  });
});

describe("detectors", () => {
  it("alerts once when failed authentications from one IP reach the threshold (20 in 5 min)", async () => {
    const workerEnv = envWith({ AUDIT_SINK_URL: undefined, AUDIT_SINK_TOKEN: undefined });
    const forged = `${(await mintToken({ key, claims: { sub: "x" } })).slice(0, -4)}AAAA`;
    const attempt = () =>
      postMcp(workerEnv, toolCall("list_directory", { path: "/" }), {
        authorization: `Bearer ${forged}`,
        "cf-connecting-ip": "198.51.100.7",
      });
    for (let i = 0; i < 19; i++) expect((await attempt()).status).toBe(401);
    await drain(workerEnv, queue);
    expect(alerts()).toEqual([]);

    await attempt();
    await drain(workerEnv, queue);
    expect(alerts()).toHaveLength(1);
    const [alert] = alerts();
    expect(alert.text).toContain("20 failed authentications from 198.51.100.7");
    expect(alert.finding).toMatchObject({
      class_uid: 2004,
      finding_info: { analytic: { uid: "failed_auth_ip" } },
      unmapped: { observed: 20, threshold: 20, window_seconds: 300 },
    });
    expect(JSON.stringify(alert)).not.toContain(forged.split(".")[2]!);

    await attempt();
    await drain(workerEnv, queue);
    expect(alerts()).toHaveLength(1); // cooldown: once per detector and subject
    const findings = (await storedEvents()).filter((e) => e.class_uid === 2004);
    expect(findings.map((f) => f.metadata.uid)).toEqual([alert.finding.metadata.uid]);
  });

  it("a principal reading past QUOTA_DAILY_BYTES_READ is refused, and the exfiltration finding reaches the webhook", async () => {
    const workerEnv = envWith({
      AUDIT_SINK_URL: undefined,
      AUDIT_SINK_TOKEN: undefined,
      QUOTA_DAILY_BYTES_READ: "2500",
      AUDIT_BYTES_READ_THRESHOLD: "2500",
    });
    const sub = `hoarder-${counter}`;
    const auth = { authorization: `Bearer ${await mintToken({ key, claims: { sub } })}` };
    const body = "q".repeat(1000);
    const call = async (name: string, args: Record<string, unknown>) =>
      (await (await postMcp(workerEnv, toolCall(name, args), auth)).json()) as {
        result: { isError?: boolean; content: { text: string }[] };
      };
    expect((await call("write_file", { path: "loot.txt", content: body })).result.isError).toBeFalsy();
    for (let i = 0; i < 3; i++) {
      expect((await call("read_text_file", { path: "loot.txt" })).result.content[0]!.text).toBe(body);
    }
    const refused = (await call("read_text_file", { path: "loot.txt" })).result;
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/^\[quota_exceeded\].*QUOTA_DAILY_BYTES_READ/);

    await drain(workerEnv, queue);
    const found = alerts().filter((a) => a.finding.finding_info.analytic.uid === "exfiltration");
    expect(found).toHaveLength(1);
    expect(found[0].finding).toMatchObject({ class_uid: 2004, unmapped: { observed: 3000, threshold: 2500 } });
    expect(JSON.stringify(found[0])).not.toContain(body);
    // The refused read returned nothing, so it adds nothing, and the trail holds the same finding.
    const findings = (await storedEvents()).filter(
      (e) => e.class_uid === 2004 && e.finding_info?.analytic?.uid === "exfiltration",
    );
    expect(findings.map((f) => f.metadata.uid)).toEqual([found[0].finding.metadata.uid]);
  });

  it("alerts on a principal seen from a new country, not on its first", async () => {
    const workerEnv = envWith({ AUDIT_SINK_URL: undefined, AUDIT_SINK_TOKEN: undefined });
    await listAs(workerEnv, "traveller", { cf: { country: "DE", asn: 3320 } });
    await listAs(workerEnv, "traveller", { cf: { country: "DE", asn: 3320 } });
    await drain(workerEnv, queue);
    expect(alerts()).toEqual([]);
    await listAs(workerEnv, "traveller", { cf: { country: "BR", asn: 3320 } });
    await drain(workerEnv, queue);
    expect(alerts().map((a) => a.finding.finding_info.title)).toEqual([
      "traveller/traveller seen from a new country BR",
    ]);
  });

  // Synthetic events straight into the consumer, for the detectors whose thresholds are large.
  const base = (n: number, extra: Record<string, unknown>) => ({
    class_uid: 6006,
    activity_id: 2,
    time: Date.now(),
    status_id: 1,
    metadata: { uid: `synthetic-${counter}-${n}`, tenant_uid: "t1" },
    actor: { user: { uid: "agent" }, authorizations: [{ decision: "allowed", policy: { uid: "scope:files:read" } }] },
    src_endpoint: { ip: "203.0.113.1" },
    unmapped: {},
    ...extra,
  });

  it.each([
    [
      "probing",
      { AUDIT_REFUSALS_THRESHOLD: "5" },
      5,
      (n: number) =>
        base(n, {
          status_id: 2,
          actor: {
            user: { uid: "agent" },
            authorizations: [{ decision: "denied", policy: { uid: "path:dot_dot_segment" } }],
          },
        }),
    ],
    ["mass_deletion", { AUDIT_DELETES_THRESHOLD: "5" }, 5, (n: number) => base(n, { activity_id: 4 })],
    [
      "exfiltration",
      { AUDIT_BYTES_READ_THRESHOLD: "5000" },
      5,
      (n: number) => base(n, { unmapped: { bytes_read: 1000 } }),
    ],
    [
      "labelled_reads",
      { AUDIT_LABELLED_READS_THRESHOLD: "5" },
      5,
      (n: number) =>
        base(n, {
          unmapped: {
            sensitivity: [
              { path: `f${n}.env`, action: "read", categories: ["secret"], detectors: [], redacted: [], flags: [] },
            ],
          },
        }),
    ],
    [
      "failed_auth_subject",
      { AUDIT_FAILED_AUTH_THRESHOLD: "5" },
      5,
      (n: number) =>
        base(n, {
          class_uid: 3002,
          activity_id: 1,
          status_id: 2,
          status_code: "denied",
          user: { credential_uid: "key-0123" },
          src_endpoint: { ip: `192.0.2.${n}` },
        }),
    ],
  ] as const)("%s fires once at its threshold and not below", async (detector, overrides, threshold, make) => {
    counter++;
    const workerEnv = envWith({ AUDIT_SINK_URL: undefined, AUDIT_SINK_TOKEN: undefined, ...overrides });
    const below = Array.from({ length: threshold - 1 }, (_, i) => make(i));
    await runConsumer(workerEnv, below);
    expect(alerts()).toEqual([]);
    await runConsumer(workerEnv, [make(threshold - 1)]);
    expect(alerts().map((a) => a.finding.finding_info.analytic.uid)).toEqual([detector]);
    await runConsumer(workerEnv, [make(threshold), make(threshold + 1)]);
    expect(alerts()).toHaveLength(1);
    // A redelivered event is counted once: the same ids again do not make a new total.
    const findings = (await storedEvents()).filter((e) => e.class_uid === 2004);
    expect(findings).toHaveLength(1);
  });

  it("rate-limit refusals are not probing", async () => {
    const workerEnv = envWith({
      AUDIT_SINK_URL: undefined,
      AUDIT_SINK_TOKEN: undefined,
      AUDIT_REFUSALS_THRESHOLD: "2",
    });
    const limited = (n: number) =>
      base(n, {
        status_id: 2,
        actor: {
          user: { uid: "agent" },
          authorizations: [{ decision: "denied", policy: { uid: "rate_limit:principal" } }],
        },
      });
    await runConsumer(workerEnv, [limited(1), limited(2), limited(3)]);
    expect(alerts()).toEqual([]);
  });
});
