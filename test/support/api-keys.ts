/**
 * API keys made the way `npm run keys` makes them (the same record functions), written straight into the
 * test's KV namespace. `at` backdates an operation, so expiry and grace periods need no waiting.
 */
import {
  type ApiKeyRecord,
  createApiKeyRecord,
  kvKeyOf,
  type NewApiKeyInput,
  revokeApiKeyRecord,
  rotateApiKeyRecord,
  toListing,
} from "../../src/auth/api-key-record";

export const nowSeconds = () => Math.floor(Date.now() / 1000);

async function save(kv: KVNamespace, record: ApiKeyRecord): Promise<void> {
  await kv.put(kvKeyOf(record.keyId), JSON.stringify(record), { metadata: toListing(record) });
}

async function load(kv: KVNamespace, keyId: string): Promise<ApiKeyRecord> {
  const record = await kv.get<ApiKeyRecord>(kvKeyOf(keyId), { type: "json" });
  if (!record) throw new Error(`no record for ${keyId}`);
  return record;
}

export async function createKey(
  kv: KVNamespace,
  input: Partial<NewApiKeyInput> & { subject: string },
  at = nowSeconds(),
): Promise<{ key: string; keyId: string }> {
  const { key, record } = await createApiKeyRecord(
    { tenant: input.subject, scopes: ["files:read", "files:write"], ...input },
    at,
  );
  await save(kv, record);
  return { key, keyId: record.keyId };
}

export async function rotateKey(kv: KVNamespace, keyId: string, graceSeconds: number, at = nowSeconds()) {
  const { key, record } = await rotateApiKeyRecord(await load(kv, keyId), graceSeconds, at);
  await save(kv, record);
  return key;
}

export async function revokeKey(kv: KVNamespace, keyId: string, at = nowSeconds()): Promise<void> {
  await save(kv, revokeApiKeyRecord(await load(kv, keyId), at));
}

/** The same key id with a different, well-formed secret. */
export function withWrongSecret(key: string): string {
  const [prefix, keyId] = key.split("_");
  return `${prefix}_${keyId}_${"x".repeat(40)}`;
}
