/**
 * Offline verification of the trail (invariant 8, docs/architecture.md): every batch's event hash, header hash and
 * signature, every chain link, the sequence without gaps, and the signed head (so deleting the newest
 * batches is detected too). Pure apart from WebCrypto: the CLI, the tests and the writer's recovery
 * feed it objects they read themselves.
 *
 * Tolerated, and reported: the same batch stored twice (identical hash); the same event id in several
 * batches (at-least-once delivery); a validly signed batch that lost the race to the head ("orphan",
 * left by a writer that died between its two puts). Everything else fails, naming the first bad batch.
 */

import type { TrailVerifierKey } from "./signing-key";
import {
  type BatchHeader,
  batchHeaderSchema,
  canonicalBatchText,
  canonicalHeadText,
  GENESIS_HASH,
  headSchema,
  sequenceOfKey,
  sha256Hex,
  splitBatch,
} from "./trail-format";

export type BatchCheck =
  | { readonly ok: true; readonly key: string; readonly header: BatchHeader; readonly eventIds: string[] }
  | { readonly ok: false; readonly key: string; readonly sequence: number | undefined; readonly problem: string };

export interface StoredObject {
  readonly key: string;
  readonly text: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly batches: number;
  readonly events: number;
  readonly firstSequence: number | undefined;
  readonly lastSequence: number | undefined;
  readonly duplicateBatches: number;
  readonly duplicateEvents: number;
  readonly orphans: string[];
  /** The first problem found, in sequence order; undefined when ok. */
  readonly firstBad: { readonly key: string; readonly problem: string } | undefined;
  readonly problems: { readonly key: string; readonly problem: string }[];
}

export async function verifyStoredBatch(
  key: string,
  text: string,
  keys: ReadonlyMap<string, TrailVerifierKey>,
): Promise<BatchCheck> {
  const claimed = sequenceOfKey(key);
  const fail = (problem: string): BatchCheck => ({ ok: false, key, sequence: claimed, problem });
  const { headerLine, body } = splitBatch(text);
  let json: unknown;
  try {
    json = JSON.parse(headerLine);
  } catch {
    return fail("header is not JSON");
  }
  const parsed = batchHeaderSchema.safeParse(json);
  if (!parsed.success) return fail("header does not match the batch format");
  const header = parsed.data;
  if (claimed !== header.sequence)
    return fail(`stored under sequence ${claimed} but its header says ${header.sequence}`);
  const lines = body === "" ? [] : body.slice(0, -1).split("\n");
  if ((body !== "" && !body.endsWith("\n")) || lines.length !== header.eventCount)
    return fail(`holds ${lines.length} event lines, header says ${header.eventCount}`);
  if ((await sha256Hex(body)) !== header.eventsHash) return fail("events were changed (events hash mismatch)");
  if ((await sha256Hex(canonicalBatchText(header))) !== header.hash) return fail("header was changed (hash mismatch)");
  const verifier = keys.get(header.keyId);
  if (!verifier) return fail(`signed by unknown key ${header.keyId}`);
  if (!(await verifier.verify(header.hash, header.signature))) return fail("signature does not verify");
  const eventIds: string[] = [];
  for (const line of lines) {
    try {
      const uid = (JSON.parse(line) as { metadata?: { uid?: unknown } }).metadata?.uid;
      if (typeof uid === "string") eventIds.push(uid);
    } catch {
      return fail("an event line is not JSON");
    }
  }
  return { ok: true, key, header, eventIds };
}

export async function verifyTrail(
  batches: readonly StoredObject[],
  headText: string | undefined,
  keys: ReadonlyMap<string, TrailVerifierKey>,
  options: { fromSequence?: number } = {},
): Promise<VerifyReport> {
  const problems: { key: string; problem: string; sequence: number }[] = [];
  const bySequence = new Map<number, Extract<BatchCheck, { ok: true }>[]>();
  for (const object of batches) {
    const check = await verifyStoredBatch(object.key, object.text, keys);
    if (!check.ok) {
      problems.push({ key: check.key, problem: check.problem, sequence: check.sequence ?? Number.MAX_SAFE_INTEGER });
      continue;
    }
    const list = bySequence.get(check.header.sequence) ?? [];
    list.push(check);
    bySequence.set(check.header.sequence, list);
  }

  let head: ReturnType<typeof headSchema.parse> | undefined;
  if (headText !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(headText);
    } catch {
      json = undefined;
    }
    const parsed = headSchema.safeParse(json);
    const verifier = parsed.success ? keys.get(parsed.data.keyId) : undefined;
    if (!parsed.success) problems.push({ key: "head.json", problem: "head is malformed", sequence: 0 });
    else if (!verifier || !(await verifier.verify(canonicalHeadText(parsed.data), parsed.data.signature)))
      problems.push({ key: "head.json", problem: "head signature does not verify", sequence: 0 });
    else head = parsed.data;
  } else if (bySequence.size > 0 || problems.length > 0) {
    problems.push({ key: "head.json", problem: "head is missing", sequence: 0 });
  }

  const sequences = [...bySequence.keys()].sort((a, b) => a - b);
  const start = options.fromSequence ?? 1;
  let previous: BatchHeader | undefined;
  let duplicateBatches = 0;
  const orphans: string[] = [];
  const seenEvents = new Set<string>();
  let duplicateEvents = 0;
  let events = 0;
  let expected = start;
  for (const sequence of sequences) {
    if (sequence < start) continue;
    const candidates = bySequence.get(sequence)!;
    const first = candidates[0]!;
    if (sequence !== expected) {
      problems.push({
        key: first.key,
        problem: `gap: batches ${expected}..${sequence - 1} are missing or invalid`,
        sequence,
      });
    }
    const previousHash = previous?.hash ?? (sequence === 1 ? GENESIS_HASH : undefined);
    // The chain continues through the candidate that links to its predecessor and is named by the head
    // or by the next batch; any other validly signed candidate is an orphan.
    const nextLinks = new Set(bySequence.get(sequence + 1)?.map((c) => c.header.previousHash) ?? []);
    const onChain =
      candidates.find((c) => c.header.hash === head?.hash && head?.sequence === sequence) ??
      candidates.find((c) => nextLinks.has(c.header.hash)) ??
      first;
    for (const candidate of candidates) {
      if (candidate === onChain) continue;
      if (candidate.header.hash === onChain.header.hash) duplicateBatches++;
      else if (previousHash === undefined || candidate.header.previousHash === previousHash)
        orphans.push(candidate.key);
      else problems.push({ key: candidate.key, problem: "conflicting batch for this sequence", sequence });
    }
    if (previousHash !== undefined && onChain.header.previousHash !== previousHash && sequence === expected) {
      problems.push({
        key: onChain.key,
        problem: "chain broken: previousHash does not match the batch before",
        sequence,
      });
    }
    for (const uid of onChain.eventIds) {
      if (seenEvents.has(uid)) duplicateEvents++;
      else seenEvents.add(uid);
    }
    events += onChain.eventIds.length;
    previous = onChain.header;
    expected = sequence + 1;
  }

  if (head) {
    const last = previous;
    if (!last || head.sequence > last.sequence) {
      problems.push({
        key: head.key,
        problem: `head names batch ${head.sequence} but the trail ends at ${last?.sequence ?? 0} (newest batches missing)`,
        sequence: head.sequence,
      });
    } else {
      const atHead = bySequence.get(head.sequence)?.find((c) => c.header.hash === head!.hash);
      if (!atHead)
        problems.push({
          key: head.key,
          problem: "head hash does not match the batch it names",
          sequence: head.sequence,
        });
    }
  }

  problems.sort((a, b) => a.sequence - b.sequence);
  const clean = problems.map(({ key, problem }) => ({ key, problem }));
  return {
    ok: problems.length === 0,
    batches: sequences.filter((s) => s >= start).length,
    events,
    firstSequence: sequences.find((s) => s >= start),
    lastSequence: previous?.sequence,
    duplicateBatches,
    duplicateEvents,
    orphans,
    firstBad: clean[0],
    problems: clean,
  };
}
