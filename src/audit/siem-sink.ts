/**
 * SIEM export: every committed batch's events are POSTed as NDJSON (one OCSF event per line) to
 * AUDIT_SINK_URL, in sequence order, with `Authorization` from AUDIT_SINK_TOKEN (sent as given when it
 * already names a scheme, e.g. `Splunk <token>`; otherwise as `Bearer <token>`).
 *
 * The R2 copy is written first and never depends on the sink. Delivery is tracked by a cursor object
 * (`sink-cursor.json`, the key delivery continues after): each run delivers everything after the cursor
 * (bounded per run), so a sink that was down receives the backlog, in order, once it is back. The
 * header line (hashes, signature) stays in R2; the sink gets its sequence and hash as headers.
 */
import { type DeliveryOptions, postWithRetry } from "./http-delivery";
import { BATCH_PREFIX, batchHeaderSchema, SINK_CURSOR_KEY, splitBatch } from "./trail-format";

export interface SinkTarget {
  readonly url: string;
  readonly token: string;
}

export interface SinkRun {
  readonly delivered: number;
  /** True when batches are left to deliver (sink failed, or the per-run bound was reached). */
  readonly pending: boolean;
  readonly failure?: string | undefined;
}

const MAX_BATCHES_PER_RUN = 25;

export function authorizationFor(token: string): string {
  return /^[A-Za-z][A-Za-z0-9-]*\s+\S/.test(token) ? token : `Bearer ${token}`;
}

async function readCursor(bucket: R2Bucket): Promise<string | undefined> {
  const object = await bucket.get(SINK_CURSOR_KEY);
  if (!object) return undefined;
  const parsed = (await object.json()) as { startAfter?: unknown };
  return typeof parsed.startAfter === "string" && parsed.startAfter.startsWith(BATCH_PREFIX)
    ? parsed.startAfter
    : undefined;
}

function writeCursor(bucket: R2Bucket, startAfter: string): Promise<unknown> {
  return bucket.put(SINK_CURSOR_KEY, JSON.stringify({ startAfter }), {
    httpMetadata: { contentType: "application/json" },
  });
}

/**
 * Delivers batches after the cursor. Without a cursor (sink newly configured), delivery starts at
 * `firstKey` (the batch this run committed) rather than replaying history into a new SIEM.
 */
export async function deliverToSink(
  bucket: R2Bucket,
  sink: SinkTarget,
  firstKey: string | undefined,
  options: DeliveryOptions = {},
): Promise<SinkRun> {
  let cursor = await readCursor(bucket);
  if (cursor === undefined) {
    if (firstKey === undefined) return { delivered: 0, pending: false };
    // Batch keys all end in ".ndjson": dropping the last character sorts just before `firstKey`.
    cursor = firstKey.slice(0, -1);
    await writeCursor(bucket, cursor);
  }
  const page = await bucket.list({ prefix: BATCH_PREFIX, limit: MAX_BATCHES_PER_RUN, startAfter: cursor });
  const keys = page.objects.map((o) => o.key);
  let delivered = 0;
  for (const key of keys) {
    const object = await bucket.get(key);
    if (!object) continue;
    const { headerLine, body } = splitBatch(await object.text());
    const header = batchHeaderSchema.safeParse(JSON.parse(headerLine));
    if (body !== "") {
      const result = await postWithRetry(
        sink.url,
        {
          headers: {
            "content-type": "application/x-ndjson",
            authorization: authorizationFor(sink.token),
            ...(header.success
              ? { "x-audit-batch-sequence": String(header.data.sequence), "x-audit-batch-hash": header.data.hash }
              : {}),
          },
          body,
        },
        options,
      );
      if (!result.ok) return { delivered, pending: true, failure: result.reason };
    }
    await writeCursor(bucket, key);
    delivered++;
  }
  return { delivered, pending: page.truncated };
}
