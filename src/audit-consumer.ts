/**
 * The queue consumer (this Worker's `queue` handler; wrangler.toml runs at most one at a time). Per
 * delivered batch of messages:
 *   1. validate each message (a request's `events` envelope, or a bare event as earlier versions
 *      sent); a malformed one, or an envelope with one malformed event, is retried and, after
 *      max_retries, lands in the dead-letter queue — never dropped, never written half-parsed;
 *   2. run the detectors (one Upstash script call); their findings join the events;
 *   3. append one signed batch to the AUDIT bucket (trail-writer.ts). If R2 fails, every message is
 *      retried with a delay: the queue redelivers, and duplicates are tolerated by the verifier;
 *   4. acknowledge the messages (the R2 copy exists from here on);
 *   5. alert on findings (cooldown per detector and subject) and deliver to the SIEM sink. Neither can
 *      lose anything: findings are in the trail, and the sink works from a cursor. A sink that stays
 *      down schedules a `sink_retry` message so its backlog moves even when traffic stops.
 */
import * as z from "zod";
import { postAlert } from "./audit/alert-webhook";
import { EVENTS_PER_MESSAGE } from "./audit/audit-producer";
import { createMemoryDetectorStore, createUpstashDetectorStore, type DetectorStore } from "./audit/detector-store";
import { findingsFrom, noveltyKey, observationsOf, windowKey } from "./audit/detectors";
import type { DeliveryOptions } from "./audit/http-delivery";
import { type OcsfEvent, toOcsfEvent } from "./audit/ocsf-mapping";
import { redactEvent } from "./audit/redaction";
import { deliverToSink } from "./audit/siem-sink";
import { createTrailSigner, createTrailVerifierKey } from "./audit/signing-key";
import { createTrailWriter, type TrailWriter } from "./audit/trail-writer";
import { type AuditConfig, parseAuditConfig } from "./config/audit-config";
import { ConfigError, parseEnvironment } from "./config/config";
import { parseLimitsConfig } from "./config/limits-config";
import type { Env } from "./env";
import { errorDetail } from "./errors/error-detail";
import { createUpstashClient } from "./limits/upstash-client";

const eventSchema = z.looseObject({
  class_uid: z.number().int(),
  activity_id: z.number().int(),
  time: z.number(),
  metadata: z.looseObject({ uid: z.string().min(1).max(64) }),
});
const envelopeSchema = z.object({
  kind: z.literal("events"),
  events: z.array(eventSchema).min(1).max(EVENTS_PER_MESSAGE),
});
const controlSchema = z.object({ kind: z.literal("sink_retry") });

/** The events a message carries, or undefined when it is not (wholly) events. Envelopes first: they
 * are what the producer sends, and a failed zod parse (which builds its issues) is not free. */
function eventsOf(body: unknown): z.infer<typeof eventSchema>[] | undefined {
  const envelope = envelopeSchema.safeParse(body);
  if (envelope.success) return envelope.data.events;
  const single = eventSchema.safeParse(body);
  return single.success ? [single.data] : undefined;
}

export const SINK_RETRY_DELAY_SECONDS = 60;

export interface ConsumerDeps {
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Delivery knobs for the sink and the webhook (tests pass a no-wait sleep). */
  readonly delivery?: DeliveryOptions;
}

interface ConsumerRuntime {
  readonly audit: AuditConfig;
  readonly writer: TrailWriter;
  readonly store: DetectorStore;
}

// Per env object, like the request path's isolate state: the signer and the store client hold no
// per-batch data.
const runtimes = new WeakMap<object, Promise<ConsumerRuntime>>();

function runtimeFor(env: Env, now: () => number): Promise<ConsumerRuntime> {
  let runtime = runtimes.get(env);
  if (!runtime) {
    runtime = (async () => {
      // Only what the consumer uses: a broken OAuth setting stops requests, not the trail's drain.
      const environment = parseEnvironment(env.ENVIRONMENT);
      const audit = parseAuditConfig(env, environment);
      const signer = await createTrailSigner(audit.signingKey);
      const verifierKey = await createTrailVerifierKey(signer.publicJwk);
      const backend = parseLimitsConfig(env, environment).backend;
      const store =
        backend.kind === "upstash"
          ? createUpstashDetectorStore(createUpstashClient(backend))
          : createMemoryDetectorStore();
      return { audit, writer: createTrailWriter(env.AUDIT, signer, verifierKey, now), store };
    })();
    runtime.catch(() => runtimes.delete(env));
    runtimes.set(env, runtime);
  }
  return runtime;
}

function logLine(record: Record<string, unknown>): void {
  console.log(JSON.stringify({ kind: "audit", ...record }));
}

function retryDelay(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(0, attempts - 1), 300);
}

export function createAuditConsumer(deps: ConsumerDeps = {}) {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? (() => crypto.randomUUID());

  return async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    let runtime: ConsumerRuntime;
    try {
      runtime = await runtimeFor(env, now);
    } catch (error) {
      // Misconfigured: keep every message (retries, then the dead-letter queue) and say which variable.
      logLine({
        marker: "consumer_misconfigured",
        variable: error instanceof ConfigError ? error.variable : undefined,
      });
      for (const message of batch.messages) message.retry({ delaySeconds: retryDelay(message.attempts) });
      return;
    }

    const events: OcsfEvent[] = [];
    const accepted: Message<unknown>[] = [];
    const seen = new Set<string>();
    let sinkRetryRequested = false;
    for (const message of batch.messages) {
      const carried = eventsOf(message.body);
      if (carried) {
        accepted.push(message);
        for (const event of carried) {
          if (seen.has(event.metadata.uid)) continue;
          seen.add(event.metadata.uid);
          events.push(redactEvent(event as OcsfEvent));
        }
      } else if (controlSchema.safeParse(message.body).success) {
        accepted.push(message);
        sinkRetryRequested = true;
      } else {
        logLine({ marker: "poison_message", messageId: message.id, attempts: message.attempts });
        message.retry({ delaySeconds: retryDelay(message.attempts) });
      }
    }

    const { audit, writer, store } = runtime;
    const settings = audit.detectors;
    const observations = observationsOf(events, settings);
    let findings: ReturnType<typeof findingsFrom> = [];
    if (observations.windows.length > 0 || observations.novelties.length > 0) {
      const cooldownKeys = [
        ...new Set([...observations.windows.map(windowKey), ...observations.novelties.map(noveltyKey)]),
      ];
      try {
        const verdict = await store.evaluate(observations, cooldownKeys, now());
        findings = findingsFrom(observations, verdict, now(), newId);
      } catch (error) {
        // Detection is best effort; the trail is not. Say so and carry on writing.
        logLine({ marker: "detectors_unavailable", detail: errorDetail(error) });
      }
    }
    const findingEvents = findings.map(({ finding }) => redactEvent(toOcsfEvent(finding)));

    let committedKey: string | undefined;
    const lines = [...events, ...findingEvents].map((event) => JSON.stringify(event));
    if (lines.length > 0) {
      try {
        committedKey = (await writer.append(lines)).key;
      } catch (error) {
        logLine({ marker: "trail_write_failed", detail: errorDetail(error), messages: accepted.length });
        for (const message of accepted) message.retry({ delaySeconds: retryDelay(message.attempts) });
        return;
      }
    }
    for (const message of accepted) message.ack();

    const webhook = audit.alertWebhookUrl;
    for (const [index, { cooldownKey }] of findings.entries()) {
      const finding = findingEvents[index]!;
      if (!(await store.claimCooldown(cooldownKey, settings.cooldownSeconds, now()).catch(() => true))) continue;
      if (!webhook) continue;
      const result = await postAlert(webhook, finding, deps.delivery);
      if (!result.ok) logLine({ marker: "alert_undelivered", finding: finding.metadata.uid, reason: result.reason });
    }

    const sink = audit.sink;
    if (sink && (committedKey !== undefined || sinkRetryRequested)) {
      const run = await deliverToSink(env.AUDIT, sink, committedKey, deps.delivery).catch(
        (error: unknown) => ({ delivered: 0, pending: true, failure: errorDetail(error) }) as const,
      );
      if (run.pending) {
        if (run.failure) logLine({ marker: "sink_undelivered", reason: run.failure, delivered: run.delivered });
        await env.AUDIT_QUEUE.send(
          { kind: "sink_retry" },
          { delaySeconds: run.failure ? SINK_RETRY_DELAY_SECONDS : 0 },
        );
      }
    }
  };
}
