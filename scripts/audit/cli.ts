/**
 * `npm run audit -- <command>`: the operator's side of the audit trail. Bundled on the fly by
 * scripts/audit.mjs so it runs the same verifier and query code as the Worker and the tests.
 *
 *   verify [--persist-to <dir> | --remote] [--public-key <file>] [--from-sequence <n>]
 *   query  --tenant <t> | --event <id> | --label <secret|pii|detector id|flag> [--subject <s>] [--path <glob>] [--since <iso>] [--until <iso>] [--persist-to <dir> | --remote]
 *   keygen                 a new Ed25519 private JWK on stdout (pipe into `wrangler secret put AUDIT_SIGNING_KEY`)
 *   public-key [--from <file>]   the public JWK of a private key (default: the dev key, or AUDIT_SIGNING_KEY)
 *
 * Storage: the local state `wrangler dev` persists (default .wrangler/state), read through wrangler's
 * own platform proxy (Miniflare), or the real bucket with --remote (wrangler's remote bindings; needs
 * `wrangler login` or CLOUDFLARE_API_TOKEN). Exit codes: 0 ok, 1 verification failed (the first bad
 * batch is named), 2 usage or setup error.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy, unstable_readConfig } from "wrangler";
import { type PublicJwk, privateJwkSchema, publicJwkSchema } from "../../src/audit/signing-key";
import { normalizePathGlob, queryEvents } from "../../src/audit/trail-query";
import { readBatches, verifyBucket } from "../../src/audit/trail-reader";

const ROOT = resolve(import.meta.dirname ?? ".", "..", "..");
const DEV_KEY = join(ROOT, ".dev-keys", "audit-signing-key.private.jwk.json");
const CONFIG = join(ROOT, "wrangler.toml");

class UsageError extends Error {}

function publicOf(json: unknown): PublicJwk[] {
  const list = (json as { keys?: unknown[] }).keys ?? [json];
  return list.map((jwk) => {
    const parsed = publicJwkSchema.safeParse(jwk);
    if (!parsed.success) throw new UsageError("the public key must be an Ed25519 JWK (or a JWK Set of them)");
    return { kty: "OKP", crv: "Ed25519", x: parsed.data.x };
  });
}

function loadPublicKeys(file: string | undefined): PublicJwk[] {
  if (file) return publicOf(JSON.parse(readFileSync(file, "utf8")));
  if (process.env.AUDIT_PUBLIC_KEY) return publicOf(JSON.parse(process.env.AUDIT_PUBLIC_KEY));
  try {
    return publicOf(JSON.parse(readFileSync(DEV_KEY, "utf8")));
  } catch {
    throw new UsageError("no public key: pass --public-key <file> or set AUDIT_PUBLIC_KEY (JWK or JWK Set)");
  }
}

async function openBucket(options: { "persist-to"?: string; remote?: boolean }) {
  if (options.remote && options["persist-to"]) throw new UsageError("--remote and --persist-to exclude each other");
  if (options.remote) {
    const config = unstable_readConfig({ config: CONFIG });
    const bucket = config.r2_buckets.find((b: { binding: string }) => b.binding === "AUDIT") as
      | { bucket_name?: string }
      | undefined;
    if (!bucket?.bucket_name) throw new UsageError("wrangler.toml has no AUDIT bucket");
    // Only the AUDIT binding, marked remote: nothing else of the Worker's configuration is needed.
    const remoteConfig = join(tmpdir(), `r2mcp-audit-remote-${process.pid}.json`);
    writeFileSync(
      remoteConfig,
      JSON.stringify({
        name: config.name,
        compatibility_date: config.compatibility_date,
        r2_buckets: [{ binding: "AUDIT", bucket_name: bucket.bucket_name, remote: true }],
      }),
    );
    return getPlatformProxy<{ AUDIT: R2Bucket }>({ configPath: remoteConfig, remoteBindings: true, persist: false });
  }
  // `wrangler dev --persist-to <dir>` keeps its state under <dir>/v3, the platform proxy reads that folder.
  const dir = resolve(options["persist-to"] ?? join(ROOT, ".wrangler", "state"));
  return getPlatformProxy<{ AUDIT: R2Bucket }>({ configPath: CONFIG, persist: { path: join(dir, "v3") } });
}

function parseTime(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw new UsageError(`--${name} must be an ISO 8601 time, e.g. 2026-11-24T00:00:00Z`);
  return time;
}

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "persist-to": { type: "string" },
      remote: { type: "boolean" },
      "public-key": { type: "string" },
      "from-sequence": { type: "string" },
    },
  });
  const keys = loadPublicKeys(values["public-key"]);
  const fromSequence = values["from-sequence"] ? Number(values["from-sequence"]) : undefined;
  if (fromSequence !== undefined && !(Number.isInteger(fromSequence) && fromSequence >= 1))
    throw new UsageError("--from-sequence must be a whole number >= 1");
  const proxy = await openBucket(values);
  try {
    const report = await verifyBucket(proxy.env.AUDIT, keys, fromSequence ? { fromSequence } : {});
    const range = report.batches > 0 ? `batches ${report.firstSequence}..${report.lastSequence}` : "no batches";
    console.log(
      `${report.ok ? "OK" : "FAILED"}: ${range}, ${report.events} events` +
        `, ${report.duplicateEvents} duplicate events, ${report.duplicateBatches} duplicate batches` +
        (report.orphans.length > 0 ? `, ${report.orphans.length} orphaned batches (${report.orphans.join(", ")})` : ""),
    );
    if (report.ok) return 0;
    console.error(`first bad batch: ${report.firstBad!.key}: ${report.firstBad!.problem}`);
    for (const problem of report.problems.slice(1, 20)) console.error(`  also: ${problem.key}: ${problem.problem}`);
    return 1;
  } finally {
    await proxy.dispose();
  }
}

async function query(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenant: { type: "string" },
      label: { type: "string" },
      event: { type: "string" },
      subject: { type: "string" },
      path: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      "persist-to": { type: "string" },
      remote: { type: "boolean" },
    },
  });
  if (!values.tenant && !values.event && !values.label) {
    throw new UsageError("--tenant is required (or --event <id>, or --label <label>)");
  }
  let path: string | undefined;
  if (values.path !== undefined) {
    const normalized = normalizePathGlob(values.path);
    for (const warning of normalized.warnings) console.error(`warning: ${warning}`);
    path = normalized.glob;
  }
  const filter = {
    tenant: values.tenant,
    event: values.event,
    label: values.label,
    subject: values.subject,
    path,
    since: parseTime("since", values.since),
    until: parseTime("until", values.until),
  };
  const proxy = await openBucket(values);
  try {
    for (const event of queryEvents(await readBatches(proxy.env.AUDIT), filter)) console.log(JSON.stringify(event));
    return 0;
  } finally {
    await proxy.dispose();
  }
}

async function keygen(): Promise<number> {
  const { generateKeyPairSync } = await import("node:crypto");
  const { kty, crv, d, x } = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  console.log(JSON.stringify({ kty, crv, d, x }));
  console.error(`public key (for verify): ${JSON.stringify({ kty, crv, x })}`);
  return 0;
}

async function publicKey(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { from: { type: "string" } } });
  const raw = values.from
    ? readFileSync(values.from, "utf8")
    : (process.env.AUDIT_SIGNING_KEY ?? readFileSync(DEV_KEY, "utf8"));
  const parsed = privateJwkSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new UsageError("not an Ed25519 private JWK");
  console.log(JSON.stringify({ kty: "OKP", crv: "Ed25519", x: parsed.data.x }));
  return 0;
}

const USAGE = `usage: npm run audit -- verify [--persist-to <dir> | --remote] [--public-key <file>] [--from-sequence <n>]
       npm run audit -- query --tenant <t> | --event <id> | --label <label> [--subject <s>] [--path <glob>] [--since <iso>] [--until <iso>] [--persist-to <dir> | --remote]
       npm run audit -- keygen
       npm run audit -- public-key [--from <private-jwk-file>]`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "verify":
        return await verify(rest);
      case "query":
        return await query(rest);
      case "keygen":
        return await keygen();
      case "public-key":
        return await publicKey(rest);
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      console.error(`${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
