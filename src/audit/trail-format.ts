/**
 * The trail's on-disk format, shared by the writer (Worker) and the verifier (CLI, tests).
 *
 * A batch is one R2 object `batches/YYYY/MM/DD/<sequence, 12 digits>.ndjson`: a header line, then one
 * OCSF event per line. The header binds the batch into the chain:
 *   eventsHash = SHA-256 of the exact bytes after the header line
 *   hash       = SHA-256 of the canonical header text (below), which includes previousHash
 *   signature  = Ed25519 over `hash` by the key `keyId`
 * The canonical text is built field by field, never from JSON key order, so the verifier recomputes
 * it from any parse of the header. The head object `head.json` names the last committed batch and is
 * signed too, so a truncated tail (deleted newest batches) is detected.
 */
import * as z from "zod";
import { sha256Hex } from "./signing-key";

export const GENESIS_HASH = "0".repeat(64);
export const HEAD_KEY = "head.json";
export const BATCH_PREFIX = "batches/";
export const SINK_CURSOR_KEY = "sink-cursor.json";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const batchHeaderSchema = z.object({
  type: z.literal("r2mcp.audit.batch"),
  version: z.literal(1),
  sequence: z.number().int().min(1),
  previousHash: hex64,
  createdAt: z.iso.datetime(),
  eventCount: z.number().int().min(0),
  eventsHash: hex64,
  keyId: z.string().min(1).max(64),
  hash: hex64,
  signature: z.string().min(1).max(256),
});
export type BatchHeader = z.infer<typeof batchHeaderSchema>;

export const headSchema = z.object({
  type: z.literal("r2mcp.audit.head"),
  version: z.literal(1),
  sequence: z.number().int().min(1),
  hash: hex64,
  key: z.string().startsWith(BATCH_PREFIX),
  updatedAt: z.iso.datetime(),
  keyId: z.string().min(1).max(64),
  signature: z.string().min(1).max(256),
});
export type TrailHead = z.infer<typeof headSchema>;

export function batchKeyFor(sequence: number, createdAt: string): string {
  const [date] = createdAt.split("T");
  return `${BATCH_PREFIX}${date!.replaceAll("-", "/")}/${String(sequence).padStart(12, "0")}.ndjson`;
}

/** The sequence a batch key claims, or undefined for a key that is not a batch. */
export function sequenceOfKey(key: string): number | undefined {
  const match = /^batches\/\d{4}\/\d{2}\/\d{2}\/(\d{12})\.ndjson$/.exec(key);
  return match ? Number(match[1]) : undefined;
}

export function canonicalBatchText(header: Omit<BatchHeader, "hash" | "signature" | "type" | "version">): string {
  return [
    "r2mcp-audit-batch-v1",
    header.sequence,
    header.previousHash,
    header.createdAt,
    header.eventCount,
    header.eventsHash,
    header.keyId,
  ].join("\n");
}

export function canonicalHeadText(head: Pick<TrailHead, "sequence" | "hash" | "key" | "updatedAt" | "keyId">): string {
  return ["r2mcp-audit-head-v1", head.sequence, head.hash, head.key, head.updatedAt, head.keyId].join("\n");
}

/** Splits a stored batch into its header line and the exact event bytes that were hashed. */
export function splitBatch(text: string): { headerLine: string; body: string } {
  const newline = text.indexOf("\n");
  if (newline < 0) return { headerLine: text, body: "" };
  return { headerLine: text.slice(0, newline), body: text.slice(newline + 1) };
}

export function eventsBody(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}

export { sha256Hex };
