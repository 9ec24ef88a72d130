/**
 * The hash chain, signatures and the verifier against real Miniflare R2: good, tampered, reordered,
 * missing and duplicated batches, a truncated tail, a foreign key, and the writer's recovery of a batch
 * an earlier attempt wrote without moving the head.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import {
  createTrailSigner,
  createTrailVerifierKey,
  privateJwkSchema,
  type TrailSigner,
} from "../../../src/audit/signing-key";
import { BATCH_PREFIX, HEAD_KEY } from "../../../src/audit/trail-format";
import { readBatches, readHeadText, verifierKeysOf, verifyBucket } from "../../../src/audit/trail-reader";
import { verifyTrail } from "../../../src/audit/trail-verify";
import { createTrailWriter, TrailConflictError } from "../../../src/audit/trail-writer";

const jwk = privateJwkSchema.parse(JSON.parse(env.AUDIT_SIGNING_KEY!));
const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x } as const;
let clock = Date.UTC(2026, 10, 30, 23, 59, 58);
const now = () => clock;
let signer: TrailSigner;

const event = (n: number) => JSON.stringify({ class_uid: 6006, metadata: { uid: `evt-${n}` }, time: n });

async function clear() {
  const listed = await env.AUDIT.list();
  await Promise.all(listed.objects.map((o) => env.AUDIT.delete(o.key)));
}

async function writeThree() {
  const writer = createTrailWriter(env.AUDIT, signer, await createTrailVerifierKey(publicJwk), now);
  const a = await writer.append([event(1), event(2)]);
  clock += 2000; // crosses midnight: batch 2 and 3 land under the next date prefix
  const b = await writer.append([event(3)]);
  const c = await writer.append([event(4), event(5), event(6)]);
  return [a, b, c];
}

async function verify() {
  return verifyBucket(env.AUDIT, [publicJwk]);
}

beforeEach(async () => {
  await clear();
  clock = Date.UTC(2026, 10, 30, 23, 59, 58);
  signer = await createTrailSigner(jwk);
});

describe("audit trail", () => {
  it("writes a chain under date prefixes that verifies", async () => {
    const [a, b, c] = await writeThree();
    expect([a!.key, b!.key, c!.key]).toEqual([
      "batches/2026/11/30/000000000001.ndjson",
      "batches/2026/12/01/000000000002.ndjson",
      "batches/2026/12/01/000000000003.ndjson",
    ]);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, batches: 3, events: 6, lastSequence: 3, duplicateEvents: 0 });
    const head = JSON.parse((await readHeadText(env.AUDIT))!);
    expect(head).toMatchObject({ sequence: 3, hash: c!.hash, key: c!.key });
    const first = (await env.AUDIT.get(a!.key))!;
    expect(first.httpMetadata?.contentType).toBe("application/x-ndjson");
  });

  it("an empty trail verifies", async () => {
    expect((await verify()).ok).toBe(true);
  });

  it("fails on one flipped byte in an event, naming the batch", async () => {
    const [, b] = await writeThree();
    const text = await (await env.AUDIT.get(b!.key))!.text();
    await env.AUDIT.put(b!.key, text.replace('"evt-3"', '"evt-8"'));
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad).toEqual({ key: b!.key, problem: "events were changed (events hash mismatch)" });
  });

  it("fails on an edited header field and on a re-signed batch with another key", async () => {
    const [a] = await writeThree();
    const text = await (await env.AUDIT.get(a!.key))!.text();
    await env.AUDIT.put(
      a!.key,
      text.replace('"createdAt":"2026-11-30T23:59:58.000Z"', '"createdAt":"2026-11-30T23:59:57.000Z"'),
    );
    expect((await verify()).firstBad).toEqual({ key: a!.key, problem: "header was changed (hash mismatch)" });

    const foreign = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    const foreignJwk = (await crypto.subtle.exportKey("jwk", (foreign as CryptoKeyPair).privateKey)) as JsonWebKey;
    const forger = await createTrailSigner(privateJwkSchema.parse(foreignJwk));
    await clear();
    const writer = createTrailWriter(env.AUDIT, forger, await createTrailVerifierKey(forger.publicJwk), now);
    await writer.append([event(1)]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad?.problem).toMatch(/^(signed by unknown key|head signature does not verify)/);
  });

  it("fails when batches are swapped between keys or events reordered; listing order does not matter", async () => {
    const [, b, c] = await writeThree();
    const batches = await readBatches(env.AUDIT);
    const head = await readHeadText(env.AUDIT);
    const keys = await verifierKeysOf([publicJwk]);
    expect((await verifyTrail([...batches].reverse(), head, keys)).ok).toBe(true);

    const textB = batches.find((o) => o.key === b!.key)!.text;
    const textC = batches.find((o) => o.key === c!.key)!.text;
    const swapped = batches.map((o) =>
      o.key === b!.key ? { ...o, text: textC } : o.key === c!.key ? { ...o, text: textB } : o,
    );
    const report = await verifyTrail(swapped, head, keys);
    expect(report.ok).toBe(false);
    expect(report.firstBad?.key).toBe(b!.key);

    const [headerLine, e4, e5, e6] = textC.trimEnd().split("\n");
    const reordered = batches.map((o) =>
      o.key === c!.key ? { ...o, text: `${headerLine}\n${e5}\n${e4}\n${e6}\n` } : o,
    );
    expect((await verifyTrail(reordered, head, keys)).firstBad).toEqual({
      key: c!.key,
      problem: "events were changed (events hash mismatch)",
    });
  });

  it("reports a gap naming the batch after it, and a truncated tail", async () => {
    const [, b, c] = await writeThree();
    await env.AUDIT.delete(b!.key);
    expect((await verify()).firstBad).toEqual({ key: c!.key, problem: "gap: batches 2..2 are missing or invalid" });

    await clear();
    const [, , c2] = await writeThree();
    await env.AUDIT.delete(c2!.key);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.firstBad?.problem).toBe("head names batch 3 but the trail ends at 2 (newest batches missing)");
  });

  it("fails without its head, and with a head that was edited", async () => {
    await writeThree();
    const head = (await readHeadText(env.AUDIT))!;
    await env.AUDIT.delete(HEAD_KEY);
    expect((await verify()).firstBad).toEqual({ key: "head.json", problem: "head is missing" });
    await env.AUDIT.put(HEAD_KEY, head.replace('"sequence":3', '"sequence":2'));
    expect((await verify()).firstBad).toEqual({ key: "head.json", problem: "head signature does not verify" });
  });

  it("tolerates a duplicated batch and duplicated events, and counts them", async () => {
    const [, b] = await writeThree();
    const text = await (await env.AUDIT.get(b!.key))!.text();
    await env.AUDIT.put(`${BATCH_PREFIX}2026/12/02/000000000002.ndjson`, text);
    const writer = createTrailWriter(env.AUDIT, signer, await createTrailVerifierKey(publicJwk), now);
    await writer.append([event(3), event(7)]); // at-least-once: evt-3 delivered again
    const report = await verify();
    expect(report).toMatchObject({ ok: true, batches: 4, duplicateBatches: 1, duplicateEvents: 1 });
  });

  it("adopts a batch an earlier attempt wrote without moving the head, then continues", async () => {
    await writeThree();
    const verifierKey = await createTrailVerifierKey(publicJwk);
    const head = JSON.parse((await readHeadText(env.AUDIT))!);
    // Simulate a writer that died between its two puts: batch 4 exists, the head still says 3.
    const dying = createTrailWriter(env.AUDIT, signer, verifierKey, now);
    await dying.append([event(8)]);
    await env.AUDIT.put(HEAD_KEY, JSON.stringify(head));
    // A stale head copy is validly signed, so the verifier accepts the extra batch as the chain's tail.
    const writer = createTrailWriter(env.AUDIT, signer, verifierKey, now);
    const committed = await writer.append([event(9)]);
    expect(committed.sequence).toBe(5);
    expect(await verify()).toMatchObject({ ok: true, batches: 5, lastSequence: 5 });
  });

  it("refuses to move a head that another writer moved, and leaves no unreferenced batch", async () => {
    const verifierKey = await createTrailVerifierKey(publicJwk);
    const writer = createTrailWriter(env.AUDIT, signer, verifierKey, now);
    await writer.append([event(1)]);
    const racing: R2Bucket = new Proxy(env.AUDIT, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "put") return typeof value === "function" ? value.bind(target) : value;
        return async (key: string, body: string, options: R2PutOptions) => {
          // Another writer commits its own batch 2 between our batch put and our head put.
          if (key === HEAD_KEY) {
            const other = createTrailWriter(env.AUDIT, signer, verifierKey, () => clock + 86_400_000);
            await other.append([event(2)]);
          }
          return target.put(key, body, options);
        };
      },
    });
    const loser = createTrailWriter(racing, signer, verifierKey, now);
    await expect(loser.append([event(3)])).rejects.toBeInstanceOf(TrailConflictError);
    expect(await verify()).toMatchObject({ ok: true, batches: 2 });
  });
});
