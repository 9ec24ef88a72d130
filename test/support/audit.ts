/**
 * Audit test helpers: a queue that records what the Worker sends (so a test decides when the
 * consumer runs, deterministically), delivery of those messages to the real `queue` handler, and
 * readers for what the AUDIT bucket holds.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { privateJwkSchema } from "../../src/audit/signing-key";
import { splitBatch } from "../../src/audit/trail-format";
import { readBatches } from "../../src/audit/trail-reader";
import type { Env } from "../../src/env";
import worker from "../../src/index";

export interface RecordingQueue extends Queue<unknown> {
  readonly messages: { body: unknown; delaySeconds?: number | undefined }[];
  /** Makes every send fail (queue unreachable). */
  failing: boolean;
}

export function recordingQueue(): RecordingQueue {
  const messages: { body: unknown; delaySeconds?: number | undefined }[] = [];
  const queue = {
    messages,
    failing: false,
    async send(body: unknown, options?: QueueSendOptions) {
      if (queue.failing) throw new Error("queue unreachable");
      messages.push({ body, delaySeconds: options?.delaySeconds });
      return {} as QueueSendResponse;
    },
    async sendBatch(batch: Iterable<MessageSendRequest<unknown>>) {
      if (queue.failing) throw new Error("queue unreachable");
      for (const message of batch) messages.push({ body: message.body });
      return {} as QueueSendBatchResponse;
    },
    async metrics() {
      return {} as QueueMetrics;
    },
  };
  return queue as unknown as RecordingQueue;
}

let messageCounter = 0;

/** Runs the Worker's queue handler over `bodies` (and empties the recorder if one is given). */
export async function runConsumer(workerEnv: Env, bodies: unknown[], attempts = 1): Promise<QueueResult> {
  const batch = createMessageBatch(
    "r2-files-mcp-audit",
    bodies.map((body) => ({ id: `msg-${++messageCounter}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch as MessageBatch<unknown>, workerEnv);
  return getQueueResult(batch as MessageBatch<unknown>, ctx);
}

/** Delivers everything the recorder holds, like one queue batch, and clears it. */
export async function drain(workerEnv: Env, queue: RecordingQueue): Promise<QueueResult> {
  const bodies = queue.messages.splice(0).map((m) => m.body);
  return runConsumer(workerEnv, bodies);
}

// biome-ignore lint/suspicious/noExplicitAny: stored events are free-form OCSF JSON
export type StoredEvent = Record<string, any>;

export async function storedEvents(bucket: R2Bucket = env.AUDIT): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for (const batch of await readBatches(bucket)) {
    const { body } = splitBatch(batch.text);
    for (const line of body.split("\n")) if (line) events.push(JSON.parse(line));
  }
  return events;
}

export async function clearAudit(bucket: R2Bucket = env.AUDIT): Promise<void> {
  let listed = await bucket.list();
  while (listed.objects.length > 0) {
    await bucket.delete(listed.objects.map((o) => o.key));
    listed = await bucket.list();
  }
}

export function auditPublicJwk() {
  const jwk = privateJwkSchema.parse(JSON.parse(env.AUDIT_SIGNING_KEY!));
  return { kty: "OKP", crv: "Ed25519", x: jwk.x } as const;
}
