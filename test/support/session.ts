/**
 * One tenant per test: a fresh subject, its SDK client, and helpers to seed and inspect its part of
 * the bucket directly (setup and assertions go around the server on purpose, to see what R2 holds).
 */
import { env } from "cloudflare:workers";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { Env } from "../../src/env";
import type { TestKey } from "./keys";
import { connectClient } from "./mcp-client";
import { mintToken } from "./tokens";
import { makeEnv } from "./worker";

let counter = 0;

export interface TenantSession {
  readonly tenant: string;
  readonly client: Client;
  /** Puts objects straight into this tenant's files/ area. */
  seed(files: Record<string, string | Uint8Array>): Promise<void>;
  /** The text of one of this tenant's files, or null. */
  read(path: string): Promise<string | null>;
  /** Every key under files/<tenant>/ or trash/<tenant>/, without that prefix. */
  keys(area: "files" | "trash"): Promise<string[]>;
}

export async function openSession(
  key: TestKey,
  options: { bucket?: R2Bucket; scope?: string; tenant?: string; env?: Partial<Env> } = {},
): Promise<TenantSession> {
  const tenant = options.tenant ?? `t${Date.now().toString(36)}x${(counter++).toString(36)}`;
  const workerEnv: Env = makeEnv(key, { ...options.env, ...(options.bucket ? { FILES: options.bucket } : {}) });
  const token = await mintToken({ key, claims: { sub: tenant, ...(options.scope ? { scope: options.scope } : {}) } });
  const client = await connectClient(workerEnv, token);
  return {
    tenant,
    client,
    async seed(files) {
      await Promise.all(Object.entries(files).map(([path, body]) => env.FILES.put(`files/${tenant}/${path}`, body)));
    },
    async read(path) {
      return (await env.FILES.get(`files/${tenant}/${path}`))?.text() ?? null;
    },
    async keys(area) {
      const prefix = `${area}/${tenant}/`;
      const keys: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await env.FILES.list({ prefix, ...(cursor ? { cursor } : {}) });
        keys.push(...page.objects.map((o) => o.key.slice(prefix.length)));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return keys.sort();
    },
  };
}

/** A session whose Worker talks to `bucket` (e.g. a faulty one) for the same tenant as `session`. */
export async function reopen(key: TestKey, session: TenantSession, bucket: R2Bucket): Promise<Client> {
  return (await openSession(key, { bucket, tenant: session.tenant })).client;
}
