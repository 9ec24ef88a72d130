/**
 * Appends signed batches to the AUDIT bucket and moves the head.
 *
 * Consistency of sequence and chain head: the queue consumer runs with `max_concurrency = 1`
 * (wrangler.toml), so one writer appends at a time. Each append:
 *   1. reads `head.json` (sequence n, hash h, etag);
 *   2. writes batch n+1 with `If-None-Match: *` (create only): if that key already exists, an earlier
 *      attempt wrote it and died before step 3, so the writer adopts it (after checking its link and
 *      signature) and tries again at n+2 — nothing is overwritten, ever;
 *   3. replaces the head with a conditional put on the etag read in step 1. If another writer moved
 *      the head meanwhile (two consumers by misconfiguration), the put fails, the unreferenced batch
 *      is deleted, and the queue redelivers the messages (duplicates are tolerated, gaps are not).
 * Two R2 reads and two writes per batch; the head never points at a batch that does not exist.
 */

import type { TrailSigner, TrailVerifierKey } from "./signing-key";
import {
  BATCH_PREFIX,
  batchKeyFor,
  canonicalBatchText,
  canonicalHeadText,
  eventsBody,
  GENESIS_HASH,
  HEAD_KEY,
  headSchema,
  sha256Hex,
  type TrailHead,
} from "./trail-format";
import { verifyStoredBatch } from "./trail-verify";

export class TrailConflictError extends Error {
  override readonly name = "TrailConflictError";
}

export interface CommittedBatch {
  readonly sequence: number;
  readonly key: string;
  readonly hash: string;
}

export interface TrailWriter {
  append(lines: readonly string[]): Promise<CommittedBatch>;
  readHead(): Promise<TrailHead | undefined>;
}

interface HeadState {
  readonly head: TrailHead | undefined;
  readonly etag: string | undefined;
}

async function loadHead(bucket: R2Bucket): Promise<HeadState> {
  const object = await bucket.get(HEAD_KEY);
  if (!object) return { head: undefined, etag: undefined };
  const parsed = headSchema.safeParse(JSON.parse(await object.text()));
  // A head we cannot read is not ours to repair: stop and let the operator run `audit verify`.
  if (!parsed.success) throw new Error("audit trail head.json is malformed");
  return { head: parsed.data, etag: object.etag };
}

async function signedHead(signer: TrailSigner, batch: CommittedBatch, now: number): Promise<TrailHead> {
  const fields = {
    sequence: batch.sequence,
    hash: batch.hash,
    key: batch.key,
    updatedAt: new Date(now).toISOString(),
    keyId: signer.keyId,
  };
  return {
    type: "r2mcp.audit.head",
    version: 1,
    ...fields,
    signature: await signer.sign(canonicalHeadText(fields)),
  };
}

async function buildBatch(
  signer: TrailSigner,
  lines: readonly string[],
  sequence: number,
  previousHash: string,
  now: number,
) {
  const body = eventsBody(lines);
  const fields = {
    sequence,
    previousHash,
    createdAt: new Date(now).toISOString(),
    eventCount: lines.length,
    eventsHash: await sha256Hex(body),
    keyId: signer.keyId,
  };
  const hash = await sha256Hex(canonicalBatchText(fields));
  const header = {
    type: "r2mcp.audit.batch",
    version: 1,
    ...fields,
    hash,
    signature: await signer.sign(hash),
  };
  return { key: batchKeyFor(sequence, fields.createdAt), hash, text: `${JSON.stringify(header)}\n${body}` };
}

export function createTrailWriter(
  bucket: R2Bucket,
  signer: TrailSigner,
  verifierKey: TrailVerifierKey,
  now: () => number = Date.now,
): TrailWriter {
  return {
    readHead: async () => (await loadHead(bucket)).head,
    async append(lines) {
      let { head, etag } = await loadHead(bucket);
      // At most a few adoptions: each is a batch an earlier attempt committed but did not record.
      for (let attempt = 0; attempt < 5; attempt++) {
        const sequence = (head?.sequence ?? 0) + 1;
        const previousHash = head?.hash ?? GENESIS_HASH;
        const batch = await buildBatch(signer, lines, sequence, previousHash, now());
        const written = await bucket.put(batch.key, batch.text, {
          onlyIf: new Headers({ "If-None-Match": "*" }),
          httpMetadata: { contentType: "application/x-ndjson" },
        });
        let committed: CommittedBatch = { sequence, key: batch.key, hash: batch.hash };
        if (written === null) {
          const existing = await bucket.get(batch.key);
          const text = existing ? await existing.text() : "";
          const checked = await verifyStoredBatch(batch.key, text, new Map([[verifierKey.keyId, verifierKey]]));
          if (!checked.ok || checked.header.previousHash !== previousHash) {
            throw new TrailConflictError(`audit batch ${batch.key} exists and does not extend the head`);
          }
          committed = { sequence, key: batch.key, hash: checked.header.hash };
        }
        const nextHead = await signedHead(signer, committed, now());
        const moved = await bucket.put(HEAD_KEY, JSON.stringify(nextHead), {
          onlyIf: etag === undefined ? new Headers({ "If-None-Match": "*" }) : { etagMatches: etag },
          httpMetadata: { contentType: "application/json" },
        });
        if (moved === null) {
          if (written !== null) await bucket.delete(batch.key);
          throw new TrailConflictError("audit head moved under this writer (more than one consumer?)");
        }
        if (written !== null) return committed;
        head = nextHead;
        etag = moved.etag;
      }
      throw new TrailConflictError("audit trail: too many unrecorded batches ahead of the head");
    },
  };
}

export { BATCH_PREFIX };
