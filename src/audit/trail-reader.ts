/**
 * Reads the whole trail from an R2 bucket (the Worker's binding, Miniflare's, or wrangler's platform
 * proxy in the CLI) and verifies it. Listing is paged; objects are read one page at a time so a long
 * trail needs memory for its text only, not for R2 metadata on top.
 */
import { createTrailVerifierKey, type PublicJwk, type TrailVerifierKey } from "./signing-key";
import { BATCH_PREFIX, HEAD_KEY } from "./trail-format";
import { type StoredObject, type VerifyReport, verifyTrail } from "./trail-verify";

type ReadableBucket = Pick<R2Bucket, "list" | "get">;

export async function readBatches(bucket: ReadableBucket): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: BATCH_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const entry of page.objects) {
      const object = await bucket.get(entry.key);
      if (object) objects.push({ key: entry.key, text: await object.text() });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects;
}

export async function readHeadText(bucket: ReadableBucket): Promise<string | undefined> {
  return (await bucket.get(HEAD_KEY))?.text();
}

export async function verifierKeysOf(jwks: readonly PublicJwk[]): Promise<Map<string, TrailVerifierKey>> {
  const keys = await Promise.all(jwks.map(createTrailVerifierKey));
  return new Map(keys.map((key) => [key.keyId, key]));
}

export async function verifyBucket(
  bucket: ReadableBucket,
  jwks: readonly PublicJwk[],
  options: { fromSequence?: number } = {},
): Promise<VerifyReport> {
  const [batches, head] = await Promise.all([readBatches(bucket), readHeadText(bucket)]);
  return verifyTrail(batches, head, await verifierKeysOf(jwks), options);
}
