/**
 * `npm run keys -- <command>`: API keys for the MCP server (format and record: src/auth/api-key-record.ts).
 *
 *   create --sub <subject> [--tenant <t>] [--scope "<scopes>" | --role <role>] [--expires-in <seconds>]
 *          [--label <text>] [--cert <sha256-hex>]        prints the new key
 *   rotate <keyId> [--grace <seconds>]                   prints the new key; the old one works for the
 *                                                        grace period (default 86400 s), then fails
 *   revoke <keyId>                                       the key stops working
 *   list [--tenant <t>]                                  one JSON line per key; never a secret or a hash
 *
 * Storage: the dev server's local state by default (`--persist-to <dir>`, default .wrangler/state, the
 * directory `wrangler dev` reads), or the deployed namespace with `--remote`. Both go through wrangler's
 * own `kv key` commands against the API_KEYS binding of wrangler.toml.
 *
 * Only a new key goes to stdout, alone, so `KEY=$(npm run -s keys -- create --sub ci)` works; every
 * message goes to stderr. Exit codes: 0 ok, 1 failed (wrangler, missing key), 2 usage error.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  apiKeyListingSchema,
  apiKeyRecordSchema,
  certificateFingerprint,
  createApiKeyRecord,
  kvKeyOf,
  revokeApiKeyRecord,
  rotateApiKeyRecord,
  stateOf,
  toListing,
} from "../src/auth/api-key-record.ts";
import { SCOPES } from "../src/policy/scopes.ts";

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_SCOPE = "files:read files:write";
const DEFAULT_GRACE_SECONDS = 24 * 60 * 60;
// The same bound the Worker applies to tenant ids (src/sandbox/tenant-prefix.ts).
const MAX_TENANT_ID_BYTES = 128;

class UsageError extends Error {}

const USAGE = `usage: npm run -s keys -- <command> [options] [--persist-to <dir> | --remote]
  create --sub <subject> [--tenant <t>] [--scope "<scopes>" | --role <role>] [--expires-in <seconds>]
         [--label <text>] [--cert <sha256-hex>]
  rotate <keyId> [--grace <seconds>]
  revoke <keyId>
  list [--tenant <t>]`;

const OPTIONS = {
  sub: { type: "string" },
  tenant: { type: "string" },
  scope: { type: "string" },
  role: { type: "string" },
  "expires-in": { type: "string" },
  label: { type: "string" },
  cert: { type: "string" },
  grace: { type: "string" },
  "persist-to": { type: "string" },
  remote: { type: "boolean", default: false },
  help: { type: "boolean", short: "h" },
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function wholeSeconds(name, raw, { min }) {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min)
    throw new UsageError(`--${name} must be a whole number ≥ ${min} (seconds)`);
  return Number(raw);
}

function validTenant(tenant) {
  return tenant.length > 0 && tenant.isWellFormed() && new TextEncoder().encode(tenant).length <= MAX_TENANT_ID_BYTES;
}

function parseScopes(raw) {
  const scopes = raw.split(/\s+/).filter((scope) => scope.length > 0);
  const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new UsageError(`--scope takes space-separated scopes out of: ${SCOPES.join(" ")}`);
  }
  return [...new Set(scopes)];
}

function keyIdArgument(positionals) {
  const keyId = positionals[1];
  if (!keyId || !/^[A-Za-z0-9]{16}$/.test(keyId)) throw new UsageError("expected a 16-character keyId");
  return keyId;
}

/** The `kv key` commands of wrangler, against local state or the deployed namespace. */
function createKvClient({ remote, persistTo }) {
  const location = remote ? ["--remote"] : ["--local", "--persist-to", persistTo];
  const run = (args) => {
    const result = spawnSync(
      join(PROJECT_ROOT, "node_modules", ".bin", "wrangler"),
      ["kv", "key", ...args, "--binding", "API_KEYS", ...location],
      {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: {
          ...process.env,
          WRANGLER_SEND_METRICS: "false",
          ...(remote ? {} : { CLOUDFLARE_CF_FETCH_ENABLED: "false" }),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (result.status !== 0) {
      process.stderr.write(result.stderr ?? "");
      throw new Error(`wrangler kv key ${args[0]} failed (exit ${result.status ?? result.signal})`);
    }
    return result.stdout;
  };
  return {
    /** name → metadata for every key record. */
    list(prefix = "key:") {
      const entries = JSON.parse(run(["list", "--prefix", prefix]));
      return entries.map((entry) => ({ name: entry.name, metadata: entry.metadata }));
    },
    get(name) {
      return run(["get", name, "--text"]);
    },
    /** The value goes through a private temporary file, not the command line (visible in `ps`). */
    put(name, value, metadata) {
      const dir = mkdtempSync(join(tmpdir(), "r2mcp-keys-"));
      try {
        const file = join(dir, "value.json");
        writeFileSync(file, value, { mode: 0o600 });
        run(["put", name, "--path", file, "--metadata", JSON.stringify(metadata)]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

// KV metadata holds at most 1024 bytes of JSON.
const MAX_METADATA_BYTES = 1024;

async function save(kv, record) {
  const valid = apiKeyRecordSchema.parse(record);
  const listing = toListing(valid);
  if (new TextEncoder().encode(JSON.stringify(listing)).length > MAX_METADATA_BYTES) {
    throw new UsageError("subject, tenant and label together are too long for the key's listing; shorten the label");
  }
  kv.put(kvKeyOf(valid.keyId), JSON.stringify(valid), listing);
}

function load(kv, keyId) {
  const name = kvKeyOf(keyId);
  if (!kv.list(name).some((entry) => entry.name === name)) throw new Error(`no API key with id ${keyId}`);
  const parsed = apiKeyRecordSchema.safeParse(JSON.parse(kv.get(name)));
  if (!parsed.success) throw new Error(`the stored record of ${keyId} is not a valid API key record`);
  return parsed.data;
}

async function create(kv, values) {
  if (!values.sub?.trim()) throw new UsageError("create needs --sub <subject>");
  if (values.scope !== undefined && values.role !== undefined) throw new UsageError("give --scope or --role, not both");
  const subject = values.sub.trim();
  const tenant = values.tenant?.trim() || subject;
  if (!validTenant(tenant)) throw new UsageError(`--tenant must be 1–${MAX_TENANT_ID_BYTES} bytes of well-formed text`);
  const role = values.role?.trim();
  if (role !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(role)) {
    throw new UsageError("--role must be 1–64 characters of letters, digits, _ . : -");
  }
  // A role key is granted every scope; the access policy narrows it to the role's scopes (docs/policy.md).
  const scopes = role !== undefined ? [...SCOPES] : parseScopes(values.scope ?? DEFAULT_SCOPE);
  const expiresIn = wholeSeconds("expires-in", values["expires-in"], { min: 1 });
  let certificateThumbprint;
  if (values.cert !== undefined) {
    const parsed = certificateFingerprint.safeParse(values.cert);
    if (!parsed.success) throw new UsageError("--cert must be the certificate's SHA-256 fingerprint (64 hex digits)");
    certificateThumbprint = parsed.data;
  }
  const { key, record } = await createApiKeyRecord(
    { tenant, subject, scopes, role, label: values.label, certificateThumbprint, expiresInSeconds: expiresIn },
    nowSeconds(),
  );
  await save(kv, record);
  console.error(
    `Created API key ${record.keyId} for subject ${subject} in tenant ${tenant} (${role ? `role ${role}` : scopes.join(" ")}).`,
  );
  process.stdout.write(`${key}\n`);
}

async function rotate(kv, keyId, values) {
  const grace = wholeSeconds("grace", values.grace, { min: 0 }) ?? DEFAULT_GRACE_SECONDS;
  const record = load(kv, keyId);
  const now = nowSeconds();
  const state = stateOf(record, now);
  if (state !== "active") throw new Error(`API key ${keyId} is ${state}; create a new key instead`);
  const { key, record: rotated } = await rotateApiKeyRecord(record, grace, now);
  await save(kv, rotated);
  console.error(
    `Rotated API key ${keyId}; the previous secret works until ${new Date((now + grace) * 1000).toISOString()}.`,
  );
  process.stdout.write(`${key}\n`);
}

async function revoke(kv, keyId) {
  const record = load(kv, keyId);
  if (record.revokedAt !== undefined) {
    console.error(`API key ${keyId} was already revoked at ${new Date(record.revokedAt * 1000).toISOString()}.`);
    return;
  }
  await save(kv, revokeApiKeyRecord(record, nowSeconds()));
  console.error(
    `Revoked API key ${keyId}. KV may serve the old record for up to about a minute at other locations; ` +
      "add the keyId to API_KEYS_REVOKED and deploy to refuse it everywhere at once (docs/authentication.md).",
  );
}

function list(kv, values) {
  const now = nowSeconds();
  for (const { name, metadata } of kv.list()) {
    const parsed = apiKeyListingSchema.safeParse(metadata);
    if (!parsed.success) {
      console.error(`skipping ${name}: no valid listing metadata`);
      continue;
    }
    if (values.tenant !== undefined && parsed.data.tenant !== values.tenant) continue;
    // Built from the metadata schema, which has no hash field: nothing secret can be printed.
    process.stdout.write(`${JSON.stringify({ ...parsed.data, state: stateOf(parsed.data, now) })}\n`);
  }
}

async function main() {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true });
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  if (values.remote && values["persist-to"] !== undefined)
    throw new UsageError("give --persist-to or --remote, not both");
  const kv = createKvClient({ remote: values.remote, persistTo: values["persist-to"] ?? join(".wrangler", "state") });
  switch (command) {
    case "create":
      return create(kv, values);
    case "rotate":
      return rotate(kv, keyIdArgument(positionals), values);
    case "revoke":
      return revoke(kv, keyIdArgument(positionals));
    case "list":
      return list(kv, values);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`keys: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
