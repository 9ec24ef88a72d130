/**
 * Issue 21's "Done when" against `npm run dev`, through the MCP SDK v2 client (`npm run test:dev-sensitive`,
 * in .ci/run). Two dev servers, each with its own local state, started side by side:
 *
 * A. no ACCESS_POLICY (plain `npm run dev`): a file holding an AWS key pair, a PEM private key and a card
 *    number reads back (read_text_file whole and a page, read_multiple_files, read_media_file, resources/read,
 *    and read_text_file through a 2026-07-28 client) with the secrets as
 *    `[REDACTED:<detector>]` and the card shown but labelled in `_meta`; search_file_contents for the key
 *    id's prefix (and the secret's, and the key body's) finds nothing in that file; an edit of another line
 *    succeeds and the stored object (read from the dev server's local R2 through wrangler's platform proxy,
 *    not through the product) is the original byte for byte with that one line changed; writing the view back
 *    is refused; a file with invisible tag characters reads back escaped and flagged; the audit trail
 *    (`npm run audit -- query`) holds `sensitive_data` Detection Findings with detector ids and counts, and
 *    no secret value appears anywhere in the trail's stored bytes, nor in the dev server's log.
 * B. with an ACCESS_POLICY (a step-up rule on `pii`, a deny on writing a `secret` under shared/), a low
 *    QUOTA_DAILY_BYTES_READ and AUDIT_BYTES_READ_THRESHOLD, and ALERT_WEBHOOK_URL pointing at a receiver
 *    started here: a client whose OAuth provider holds a sign-in 15 minutes old reads a plain file, and
 *    reading the pii file gets the 401 `insufficient_user_authentication` challenge (max_age, the rule
 *    named, nothing of the file returned), on which the SDK client signs in again by itself through the
 *    dev authorization server (login_hint); once the agent finishes that sign-in, the same client reads
 *    the pii file; a secret written under shared/ is
 *    refused and nothing is stored (checked in local R2), while the same write elsewhere succeeds; a
 *    principal reading past the budget is refused with `quota_exceeded` naming QUOTA_DAILY_BYTES_READ, and
 *    the `exfiltration` finding reaches the webhook (without file content).
 * Last, neither server's log holds any token or secret value this run used (DESIGN.md invariant 2).
 *
 * Ports (E2E_SENSITIVE_PORT, default 8840, moves all): A on 8840 (+ its authorization server 8841), B on
 * 8842 (+ 8843), the webhook receiver on 8844; 8845 is the OAuth redirect URL, never listened on.
 * Every secret is generated at run time (nothing secret-shaped is committed); no token and no file content
 * is ever printed (the dev servers' output, shown on failure, is scrubbed of every value used here).
 * Prints a PASS line per step (a FAIL line names the first check that failed and ends that server's part; the
 * other part still runs), stops everything it started, and exits non-zero on any failure.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { auth, Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { getPlatformProxy } from "wrangler";
import { ROOT, startDevServer, waitUntilUp } from "./dev-server.mjs";
import { startReceiver } from "./webhook-receiver.mjs";

const PORT = Number(process.env.E2E_SENSITIVE_PORT ?? 8840);
const A = { name: "A", port: PORT, state: mkdtempSync(join(tmpdir(), "r2mcp-sensitive-a-")) };
const B = { name: "B", port: PORT + 2, state: mkdtempSync(join(tmpdir(), "r2mcp-sensitive-b-")) };
for (const server of [A, B]) {
  server.origin = `http://127.0.0.1:${server.port}`;
  server.mcp = new URL(`${server.origin}/mcp`);
  server.issuer = `http://127.0.0.1:${server.port + 1}`;
}
const HOOK_PORT = PORT + 4;
const REDIRECT_URL = `http://127.0.0.1:${PORT + 5}/callback`;
const RUN = Date.now().toString(36);
const T0 = Date.now();

// ---------------------------------------------------------------- output: PASS/FAIL, never a value

/** Every token and secret this run uses; anything printed goes through scrub(). */
const values = new Set();
function remember(value) {
  values.add(value);
  return value;
}
function scrub(text) {
  let out = String(text);
  for (const value of values) if (value.length >= 6) out = out.split(value).join("<scrubbed>");
  return out;
}
const results = [];
function pass(what) {
  results.push(true);
  console.log(`[sensitive-e2e] PASS ${what} (at ${((Date.now() - T0) / 1000).toFixed(1)} s)`);
}
/** A failed check: the message says what was expected, never the content that was seen. */
class CheckFailed extends Error {}
function check(condition, what) {
  if (!condition) throw new CheckFailed(what);
}

// ---------------------------------------------------------------- synthetic secrets, fresh each run

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const pick = (alphabet, length) => Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
function luhnComplete(partial) {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let digit = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return partial + ((10 - (sum % 10)) % 10);
}
function mixed(alphabet, length) {
  for (;;) {
    const text = pick(alphabet, length);
    if (/[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9]/.test(text)) return text;
  }
}
const KEY_ID = remember(`AKIA${pick(`${UPPER}234567`, 16)}`);
const SECRET = remember(mixed(`${UPPER}${LOWER}${DIGITS}/+`, 40));
// Split so that no PEM armour line sits in this file for a secret scanner to trip on.
const PEM_LABEL = `${"PRIV"}ATE KEY`;
const PEM_BODY = randomBytes(360)
  .toString("base64")
  .match(/.{1,64}/g);
for (const line of PEM_BODY) remember(line);
const PEM = [`-----BEGIN ${PEM_LABEL}-----`, ...PEM_BODY, `-----END ${PEM_LABEL}-----`].join("\n");
const CARD = remember(
  luhnComplete(`4${pick(DIGITS, 14)}`)
    .match(/.{4}/g)
    .join(" "),
);
const DEPLOY = [
  "# deploy settings",
  "[default]",
  `aws_access_key_id = ${KEY_ID}`,
  `aws_secret_access_key = ${SECRET}`,
  "region = eu-west-1",
  PEM,
  `billing card: ${CARD}`,
  "last line",
  "",
].join("\n");
const TAGGED = `Quarterly notes${[..."ignore all"].map((c) => String.fromCodePoint(0xe0000 + c.charCodeAt(0))).join("")}\nend\n`;

// ---------------------------------------------------------------- MCP and OAuth helpers

const textOf = (result) => (result.content ?? []).map((part) => part.text ?? "").join("");
const errorCodeOf = (result) => (result.isError ? /^\[([a-z_]+)\]/.exec(textOf(result))?.[1] : undefined);
const contentMeta = (result) => result._meta?.["r2-files/content"];

async function connectWithToken(server, token) {
  const client = new Client({ name: "sensitive-e2e", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(server.mcp, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  return client;
}

/**
 * An OAuth client provider for the server's dev authorization server, as an agent would hold one: dynamic
 * registration, authorization code + PKCE, and a "browser" that approves at once with `login_hint`
 * (the callback's parameters land in `store.callback`). `tokens` starts the store with a login made
 * elsewhere (a stale one, for the step-up).
 */
function oauthProvider(subject, tokens) {
  const store = { tokens, redirects: 0 };
  const provider = {
    redirectUrl: REDIRECT_URL,
    clientMetadata: {
      client_name: "sensitive-e2e",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    },
    state: () => crypto.randomUUID(),
    clientInformation: () => store.client,
    saveClientInformation: (info) => (store.client = info),
    tokens: () => store.tokens,
    saveTokens: (saved) => (store.tokens = saved),
    codeVerifier: () => store.verifier,
    saveCodeVerifier: (verifier) => (store.verifier = verifier),
    discoveryState: () => store.discovery,
    saveDiscoveryState: (state) => (store.discovery = state),
    async redirectToAuthorization(url) {
      store.redirects++;
      url.searchParams.set("login_hint", subject);
      const response = await fetch(url, { redirect: "manual" });
      check(response.status === 303, `the dev authorization server approves a login_hint (got ${response.status})`);
      store.callback = new URL(response.headers.get("location")).searchParams;
    },
  };
  return { provider, store };
}

/** Signs in through the server's dev authorization server as the SDK does it. Returns a fresh token. */
async function signIn(server, subject) {
  const { provider, store } = oauthProvider(subject, undefined);
  check(
    (await auth(provider, { serverUrl: server.mcp, scope: "files:read files:write" })) === "REDIRECT",
    "auth() redirects",
  );
  const exchanged = await auth(provider, {
    serverUrl: server.mcp,
    authorizationCode: store.callback.get("code"),
    iss: store.callback.get("iss"),
  });
  check(exchanged === "AUTHORIZED", "auth() exchanged the code for a token");
  return remember(store.tokens.access_token);
}

/** `npm run -s <args>` without a shell; stdout and stderr kept, never printed unscrubbed. */
function npm(args) {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "-s", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/**
 * The object as stored, read from the dev server's local R2 through wrangler's own platform proxy (the
 * Miniflare R2 that `wrangler dev --persist-to` keeps, the way `npm run audit` reads the trail), beside
 * the product: what the product's view code makes of it does not enter. `undefined` when absent.
 */
async function storedObject(server, tenant, path) {
  server.proxy ??= getPlatformProxy({
    configPath: join(ROOT, "wrangler.toml"),
    persist: { path: join(server.state, "v3") },
  });
  const object = await (await server.proxy).env.FILES.get(`files/${tenant}/${path}`);
  return object === null ? undefined : Buffer.from(await object.arrayBuffer());
}

const ndjson = (text) =>
  text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

async function until(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new CheckFailed(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Every file under `dir` (the AUDIT bucket's part of the local state), as bytes. */
function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else out.push(readFileSync(path));
  }
  return out;
}

// ---------------------------------------------------------------- A: no ACCESS_POLICY

async function withoutPolicy(devA) {
  const tenant = `e2e-dlp-${RUN}`;
  const token = await signIn(A, tenant);
  const client = await connectWithToken(A, token);
  const call = (name, args) => client.callTool({ name, arguments: args });
  const secretsIn = (text) => [KEY_ID, SECRET, ...PEM_BODY].filter((value) => text.includes(value)).length;

  check(!(await call("write_file", { path: "deploy.ini", content: DEPLOY })).isError, "write_file deploy.ini");
  const read = await call("read_text_file", { path: "deploy.ini" });
  const view = textOf(read);
  check(!read.isError, "read_text_file deploy.ini succeeds");
  check(secretsIn(view) === 0, "read_text_file shows no secret value");
  check(
    view.includes("aws_access_key_id = [REDACTED:aws-access-key-id]"),
    "the key id is [REDACTED:aws-access-key-id]",
  );
  check(
    view.includes("aws_secret_access_key = [REDACTED:aws-secret-access-key]"),
    "the secret key is [REDACTED:aws-secret-access-key]",
  );
  check(view.includes("[REDACTED:private-key]"), "the PEM block is [REDACTED:private-key]");
  check(view.includes(`billing card: ${CARD}`), "the card number is shown (pii is not redacted by default)");
  check(view.split("\n").length === DEPLOY.split("\n").length, "the view has the file's lines");
  const meta = contentMeta(read);
  const file = meta?.files?.[0];
  check(meta?.untrusted === true, "_meta marks the content untrusted");
  check(meta?.trust?.sensitiveHint === "high", "_meta trust.sensitiveHint is high");
  check(
    JSON.stringify(file?.categories) === '["pii","secret"]' &&
      file?.detectors?.["payment-card"] === 1 &&
      file?.redacted?.["payment-card"] === undefined,
    "_meta labels the card (payment-card, category pii) without redacting it",
  );
  check(
    file?.redacted?.["aws-access-key-id"] === 1 &&
      file?.redacted?.["aws-secret-access-key"] === 1 &&
      file?.redacted?.["private-key"] === 1,
    "_meta counts the three redactions",
  );
  pass(
    "A read_text_file: AWS key pair and PEM key redacted as [REDACTED:<detector>], card shown and labelled pii in _meta",
  );

  const many = await call("read_multiple_files", { paths: ["deploy.ini"] });
  const manyText = textOf(many);
  check(!many.isError && secretsIn(manyText) === 0, "read_multiple_files shows no secret value");
  check(
    manyText.includes("[REDACTED:aws-secret-access-key]") && manyText.includes(CARD),
    "read_multiple_files has the same view",
  );
  check(contentMeta(many)?.files?.[0]?.detectors?.["payment-card"] === 1, "read_multiple_files labels the card");
  const resource = await client.readResource({ uri: "r2-files:///deploy.ini" });
  const contents = resource.contents[0];
  const resourceText = contents.text ?? Buffer.from(contents.blob ?? "", "base64").toString("utf8");
  check(secretsIn(resourceText) === 0, "resources/read shows no secret value");
  check(
    resourceText.includes("[REDACTED:private-key]") && resourceText.includes(CARD),
    "resources/read has the same view",
  );
  const page = await call("read_text_file", { path: "deploy.ini", offset: 5, limit: 4 });
  check(secretsIn(textOf(page)) === 0, "a page inside the key block shows no secret value");
  check(
    // The first part is the page; a second one says where the next page starts.
    page.content[0].text === view.split("\n").slice(5, 9).join("\n"),
    "a page is cut from the same view (the line numbers agree)",
  );
  const media = await call("read_media_file", { path: "deploy.ini" });
  const mediaResource = media.content?.[0]?.resource ?? media.content?.[0] ?? {};
  const mediaText =
    mediaResource.text ?? Buffer.from(mediaResource.blob ?? mediaResource.data ?? "", "base64").toString();
  check(!media.isError && mediaText.includes("[REDACTED:private-key]"), "read_media_file returns the view");
  check(secretsIn(mediaText) === 0, "read_media_file shows no secret value");
  // The same through a 2026-07-28 client (server/discover, Mcp-Method/Mcp-Name headers).
  const modern = new Client(
    { name: "sensitive-e2e-2026", version: "1.0.0" },
    { versionNegotiation: { mode: { pin: "2026-07-28" } } },
  );
  await modern.connect(
    new StreamableHTTPClientTransport(A.mcp, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
  );
  const modernRead = await modern.callTool({ name: "read_text_file", arguments: { path: "deploy.ini" } });
  check(textOf(modernRead) === view, "a 2026-07-28 client gets the same view");
  check(contentMeta(modernRead)?.files?.[0]?.detectors?.["payment-card"] === 1, "and the same labels");
  await modern.close();
  pass(
    "A read_multiple_files, resources/read, a page, read_media_file, and a 2026-07-28 client: the same redacted view",
  );

  for (const [what, pattern] of [
    ["the key id's prefix", KEY_ID.slice(0, 4)],
    ["the whole key id", KEY_ID],
    ["the secret key's first 8 characters", SECRET.slice(0, 8)],
    ["a line of the PEM body", PEM_BODY[1].slice(0, 16)],
  ]) {
    const found = await call("search_file_contents", { path: "/", pattern });
    check(!found.isError, `search_file_contents for ${what} is answered`);
    const hits = (found.structuredContent?.matches ?? []).filter((match) => match.path?.endsWith("deploy.ini"));
    check(hits.length === 0 && !textOf(found).includes("deploy.ini"), `no match for ${what} inside the redaction`);
  }
  const control = await call("search_file_contents", { path: "/", pattern: "aws_" });
  const controlLines = (control.structuredContent?.matches ?? []).map((match) => match.line);
  check(JSON.stringify(controlLines) === "[3,4]", "a search outside the redaction finds lines 3 and 4 of the view");
  check(secretsIn(textOf(control)) === 0, "the snippets are the view");
  pass("A search_file_contents: the key id's prefix (and the secret's, the key body's) matches nothing in the file");

  const edit = await call("edit_file", {
    path: "deploy.ini",
    edits: [{ oldText: "region = eu-west-1", newText: "region = eu-central-1" }],
  });
  check(!edit.isError, "edit_file of the region line succeeds");
  check(secretsIn(textOf(edit)) === 0, "the edit's diff is between views");
  const writeBack = await call("write_file", { path: "deploy.ini", content: `${view}more\n` });
  check(errorCodeOf(writeBack) === "redacted_content", "writing the redacted view back is refused (redacted_content)");
  const stored = await storedObject(A, tenant, "deploy.ini");
  check(stored !== undefined, "deploy.ini is read from the dev server's local R2");
  check(
    stored.equals(Buffer.from(DEPLOY.replace("region = eu-west-1", "region = eu-central-1"), "utf8")),
    "the stored object is the original byte for byte, with only the region line changed",
  );
  pass(
    "A edit_file of another line: every secret byte kept in R2 (read beside the product, from the local R2); write-back refused",
  );

  check(!(await call("write_file", { path: "notes.md", content: TAGGED })).isError, "write_file notes.md");
  const tagged = await call("read_text_file", { path: "notes.md" });
  const taggedText = textOf(tagged);
  check(taggedText.startsWith("Quarterly notes\\u{E0069}\\u{E0067}\\u{E006E}"), "tag characters are shown escaped");
  check(!/[\u{E0000}-\u{E007F}]/u.test(taggedText), "no raw tag character is returned");
  const taggedMeta = contentMeta(tagged)?.files?.[0];
  check(taggedMeta?.flags?.includes("invisible-unicode"), "_meta flags invisible-unicode");
  check(
    taggedMeta?.escapedCharacters > 0 || taggedMeta?.escapedCharacters?.length > 0,
    "_meta counts the escaped characters",
  );
  const taggedStored = await storedObject(A, tenant, "notes.md");
  check(taggedStored?.equals(Buffer.from(TAGGED, "utf8")), "the stored bytes keep the tag characters");
  pass(
    "A invisible tag characters: read back escaped (\\u{E00xx}) and flagged invisible-unicode in _meta; stored unchanged",
  );
  await client.close();

  // The trail: the queue consumer writes batches within seconds (max_batch_timeout 5).
  await until(
    "the trail's batches on disk to reach the tagged file",
    () =>
      findAuditState(A.state)
        .flatMap(filesUnder)
        .some((bytes) => bytes.includes("notes.md")),
    40_000,
  );
  // `npm run audit -- query`, by tenant and by label, side by side (each bundles the CLI and opens the state).
  const { findings, byLabel } = await until(
    "the sensitive_data findings in the trail",
    async () => {
      const [query, labelQuery] = await Promise.all([
        npm(["audit", "--", "query", "--tenant", tenant, "--persist-to", A.state]),
        npm(["audit", "--", "query", "--label", "secret", "--persist-to", A.state]),
      ]);
      if (query.status !== 0 || labelQuery.status !== 0) return undefined;
      const found = ndjson(query.stdout).filter(
        (event) => event.class_uid === 2004 && event.finding_info?.types?.includes("sensitive_data"),
      );
      return found.some((event) => event.unmapped?.sensitivity?.path === "notes.md")
        ? { findings: found, byLabel: ndjson(labelQuery.stdout) }
        : undefined;
    },
    40_000,
  );
  const readFinding = findings.find(
    (event) => event.unmapped.sensitivity.action === "read" && event.unmapped.sensitivity.path === "deploy.ini",
  );
  check(readFinding, "a Detection Finding for the read of deploy.ini");
  const redactedIds = (readFinding.unmapped.sensitivity.redacted ?? []).map((entry) => `${entry.id}:${entry.count}`);
  check(
    JSON.stringify(redactedIds) === '["aws-access-key-id:1","aws-secret-access-key:1","private-key:1"]',
    "the finding names each redacting detector with its count",
  );
  check(
    String(readFinding.data_security?.detection_pattern ?? "").includes("payment-card"),
    "the finding's data_security names payment-card",
  );
  check(
    findings.some((event) => event.unmapped.sensitivity.action === "write"),
    "the write of deploy.ini has a finding too",
  );
  check(
    byLabel.some((event) => event.unmapped?.tool === "read_text_file" && JSON.stringify(event).includes(tenant)),
    "npm run audit -- query --label secret lists the caller's read",
  );
  pass(
    `A trail: ${findings.length} sensitive_data Detection Findings with detector ids and counts; query --label secret answers`,
  );

  // Not the values: the trail's every stored byte (the AUDIT bucket's local state), and the dev server's log.
  const auditDirs = findAuditState(A.state);
  check(auditDirs.length > 0, "the AUDIT bucket's local state is found");
  const trailBytes = Buffer.concat(auditDirs.flatMap(filesUnder));
  // Controls: the raw bytes are readable text that holds this session (so absence below means something).
  check(
    trailBytes.includes(Buffer.from(tenant)),
    "the trail's stored bytes name the tenant (readable, not compressed)",
  );
  check(trailBytes.includes(Buffer.from("deploy.ini")), "the trail's stored bytes name deploy.ini");
  check(devA.output().includes(tenant), "the dev server's log names the tenant");
  for (const [what, value] of [
    ["the AWS key id", KEY_ID],
    ["the AWS secret key", SECRET],
    ["the card number", CARD],
    ["the card's digits", CARD.replaceAll(" ", "")],
    ...PEM_BODY.map((line, index) => [`PEM body line ${index + 1}`, line]),
  ]) {
    check(!trailBytes.includes(Buffer.from(value)), `${what} is nowhere in the trail's stored bytes`);
    check(!devA.output().includes(value), `${what} is nowhere in the dev server's log`);
  }
  pass(
    `A no secret value anywhere in the trail (${trailBytes.length} bytes of the AUDIT bucket's local state, grepped raw) or the dev server's log`,
  );
}

/** Miniflare keeps each R2 bucket's objects in its own directory named after the bucket. */
function findAuditState(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === "r2-files-mcp-audit") out.push(path);
    else out.push(...findAuditState(path));
  }
  return out;
}

// ---------------------------------------------------------------- B: with ACCESS_POLICY, budget, webhook

const POLICY = {
  version: 1,
  rules: [
    { id: "fresh-login-for-pii", effect: "step-up", actions: ["read"], labels: ["pii"], maxAuthAgeSeconds: 300 },
    {
      id: "no-secrets-in-shared",
      effect: "deny",
      actions: ["write", "overwrite"],
      paths: ["shared/**"],
      labels: ["secret"],
    },
  ],
};
const READ_BUDGET = 6000;
const QUOTA_FILE = Array.from({ length: 40 }, (_, i) => `quota row ${i} of run ${RUN} lorem ipsum dolor sit amet\n`)
  .join("")
  .padEnd(2500, "-");

async function withPolicy(hook) {
  const subject = `e2e-pii-${RUN}`;
  const customers = `name,card\nM. Rossi,${CARD}\n`;
  const stale = await npm([
    "token",
    "--",
    "--port",
    String(B.port),
    "--sub",
    subject,
    "--scope",
    "files:read files:write",
    "--auth-age",
    "900",
  ]);
  check(stale.status === 0, "npm run token minted the stale-login token");
  // The agent's own client: its OAuth provider holds the stale login, as if signed in 15 minutes ago.
  const { provider, store } = oauthProvider(subject, {
    access_token: remember(stale.stdout.trim()),
    token_type: "Bearer",
    issuer: B.issuer, // the dev authorization server that signed it (the SDK's SEP-2352 stamp)
  });
  const challenges = [];
  const transport = new StreamableHTTPClientTransport(B.mcp, {
    authProvider: provider,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      if (response.status === 401) {
        challenges.push({
          header: response.headers.get("www-authenticate") ?? "",
          body: await response.clone().text(),
        });
      }
      return response;
    },
  });
  const staleClient = new Client({ name: "sensitive-e2e", version: "1.0.0" });
  await staleClient.connect(transport);
  const staleCall = (name, args) => staleClient.callTool({ name, arguments: args });
  check(!(await staleCall("write_file", { path: "customers.csv", content: customers })).isError, "write customers.csv");
  check(
    !(await staleCall("write_file", { path: "plain.txt", content: "nothing sensitive\n" })).isError,
    "write plain.txt",
  );
  const plain = await staleCall("read_text_file", { path: "plain.txt" });
  check(textOf(plain) === "nothing sensitive\n", "the same token reads a file without pii");
  // The label rule is judged once the file is read and classified, and answered like a path step-up:
  // 401 insufficient_user_authentication, on which the SDK runs its own sign-in (auth(): the provider is
  // sent to the authorization server), and the call fails until the agent completes it.
  const refused = await staleCall("read_text_file", { path: "customers.csv" }).then(
    () => undefined,
    (error) => error,
  );
  check(
    refused instanceof UnauthorizedError,
    "the pii read with a login 15 minutes old ends in the SDK's UnauthorizedError",
  );
  check(challenges.length === 1, `one 401 challenge (got ${challenges.length})`);
  const [challenge] = challenges;
  check(challenge.header.startsWith('Bearer error="insufficient_user_authentication"'), "the 401 is RFC 9470's");
  check(challenge.header.includes('max_age="300"'), "the challenge asks for a login at most 300 s old");
  check(challenge.header.includes("(rule fresh-login-for-pii)"), "the challenge names the rule");
  check(!challenge.header.includes(CARD) && !challenge.body.includes(CARD), "nothing of the file is returned");
  check(!challenge.body.includes("r2-files/content"), "no content _meta in the 401");
  check(store.redirects === 1 && store.callback?.get("code"), "the SDK sent the provider to sign in again");
  pass(
    "B pii file with a 15-minute-old login: 401 insufficient_user_authentication (max_age 300, rule fresh-login-for-pii), nothing returned, the SDK client signs in again by itself; unlabelled file read",
  );

  await transport.finishAuth(store.callback.get("code"), store.callback.get("iss") ?? undefined);
  const fresh = remember(store.tokens.access_token);
  const retried = await staleCall("read_text_file", { path: "customers.csv" });
  check(!retried.isError && textOf(retried) === customers, "the same client, signed in again, reads the pii file");
  await staleClient.close();
  const freshClient = await connectWithToken(B, fresh);
  const call = (name, args) => freshClient.callTool({ name, arguments: args });
  const shown = await call("read_text_file", { path: "customers.csv" });
  check(!shown.isError, "after a fresh sign-in the pii file is read");
  check(textOf(shown) === customers, "the pii file is shown whole (pii is labelled, not redacted)");
  check(contentMeta(shown)?.files?.[0]?.categories?.includes("pii"), "_meta labels it pii");
  pass(
    "B after the SDK's own fresh sign-in through the dev authorization server (login_hint, finishAuth): the pii file reads, labelled pii",
  );

  const secretText = `aws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`;
  const denied = await call("write_file", { path: "shared/env", content: secretText });
  check(errorCodeOf(denied) === "policy_denied", "writing a secret under shared/ is refused (policy_denied)");
  check(textOf(denied).includes("no-secrets-in-shared"), "the refusal names the rule");
  check(
    !(await call("write_file", { path: "shared/notes.txt", content: "plain\n" })).isError,
    "a plain write to shared/",
  );
  const overwrite = await call("write_file", { path: "shared/notes.txt", content: secretText });
  check(errorCodeOf(overwrite) === "policy_denied", "overwriting a shared/ file with a secret is refused");
  const elsewhere = await call("write_file", { path: "private/env", content: secretText });
  check(!elsewhere.isError, "the same secret written outside shared/ is accepted (the rule is where it says)");
  const [deniedObject, overwritten, control] = await Promise.all([
    storedObject(B, subject, "shared/env"),
    storedObject(B, subject, "shared/notes.txt"),
    storedObject(B, subject, "private/env"),
  ]);
  check(control?.equals(Buffer.from(secretText)), "the allowed write is in the local R2 (control)");
  check(deniedObject === undefined, "nothing was stored at shared/env");
  check(overwritten?.equals(Buffer.from("plain\n")), "shared/notes.txt still holds its plain text");
  await freshClient.close();
  pass(
    "B writing a secret under shared/: refused (policy_denied, rule no-secrets-in-shared), nothing written (checked in local R2)",
  );

  // The read budget: one principal of its own, reading until refused.
  const reader = `e2e-quota-${RUN}`;
  const quotaClient = await connectWithToken(B, await signIn(B, reader));
  const quotaCall = (name, args) => quotaClient.callTool({ name, arguments: args });
  check(!(await quotaCall("write_file", { path: "big.txt", content: QUOTA_FILE })).isError, "write big.txt");
  let bytesRead = 0;
  let refusal;
  for (let i = 0; i < 6 && !refusal; i++) {
    const result = await quotaCall("read_text_file", { path: "big.txt" });
    if (result.isError) refusal = result;
    else bytesRead += Buffer.byteLength(textOf(result));
  }
  check(refusal !== undefined, "reading past the budget is refused");
  check(errorCodeOf(refusal) === "quota_exceeded", "the refusal is quota_exceeded");
  check(textOf(refusal).includes("QUOTA_DAILY_BYTES_READ"), "the refusal names QUOTA_DAILY_BYTES_READ");
  check(!textOf(refusal).includes("quota row"), "the refusal carries no content");
  check(
    bytesRead >= READ_BUDGET && bytesRead < READ_BUDGET + QUOTA_FILE.length * 2,
    "refused once the budget was reached",
  );
  const other = await connectWithToken(B, fresh);
  check(
    !(await other.callTool({ name: "read_text_file", arguments: { path: "plain.txt" } })).isError,
    "another principal still reads",
  );
  await other.close();
  await quotaClient.close();
  pass(
    `B QUOTA_DAILY_BYTES_READ=${READ_BUDGET}: refused with quota_exceeded naming the variable after ${bytesRead} bytes; another principal unaffected`,
  );

  const alert = await until(
    "the exfiltration alert at the webhook",
    () =>
      hook.posts
        .map((post) => JSON.parse(post.body))
        .find((body) => body.finding?.finding_info?.types?.includes("exfiltration")),
    40_000,
  );
  check(alert.finding.class_uid === 2004, "the alert carries an OCSF Detection Finding");
  check(alert.text.includes(reader), "the alert names the principal");
  const raw = hook.posts.map((post) => post.body).join("\n");
  check(!raw.includes("quota row") && !raw.includes(CARD) && !raw.includes(SECRET), "no file content in any alert");
  pass("B the exfiltration finding reached the alert webhook (OCSF 2004, names the principal, no content)");
}

// ---------------------------------------------------------------- main

async function phase(name, body) {
  try {
    await body();
    return true;
  } catch (error) {
    results.push(false);
    const reason = error instanceof CheckFailed ? error.message : scrub(error?.stack ?? error);
    console.log(`[sensitive-e2e] FAIL ${name}: ${reason}`);
    return false;
  }
}

const hook = await startReceiver(HOOK_PORT);
const devA = startDevServer({ port: A.port, stateDir: A.state });
const devB = startDevServer({
  port: B.port,
  stateDir: B.state,
  args: [
    "--var",
    `ACCESS_POLICY:${JSON.stringify(POLICY)}`,
    "--var",
    `QUOTA_DAILY_BYTES_READ:${READ_BUDGET}`,
    "--var",
    `AUDIT_BYTES_READ_THRESHOLD:${READ_BUDGET - 1000}`,
    "--var",
    `ALERT_WEBHOOK_URL:http://127.0.0.1:${HOOK_PORT}/hook`,
  ],
});
const started = Date.now();
let ok = false;
try {
  const up = await Promise.all([
    phase("npm run dev A (no policy)", () => waitUntilUp(devA, A.origin, A.issuer)),
    phase("npm run dev B (policy, budget, webhook)", () => waitUntilUp(devB, B.origin, B.issuer)),
  ]);
  console.log(`[sensitive-e2e] dev servers up in ${Date.now() - started} ms`);
  if (up.every(Boolean)) {
    const done = await Promise.all([
      phase("A: no ACCESS_POLICY", () => withoutPolicy(devA)),
      phase("B: with ACCESS_POLICY", () => withPolicy(hook)),
    ]);
    ok = done.every(Boolean);
    // Invariant 2 on the real servers: no token, secret or card number this run used is in either log.
    if (
      await phase("logs", () => {
        for (const [name, dev] of [
          ["A", devA],
          ["B", devB],
        ]) {
          const leaked = [...values].filter((value) => dev.output().includes(value)).length;
          check(leaked === 0, `npm run dev ${name}'s log holds ${leaked} of this run's tokens and secret values`);
        }
      })
    )
      pass(`no token or secret value (${values.size} checked) in either dev server's log`);
    else ok = false;
  }
} finally {
  if (!ok) {
    for (const [name, dev] of [
      ["A", devA],
      ["B", devB],
    ]) {
      console.error(`--- npm run dev ${name} output (scrubbed) ---\n${scrub(dev.output()).slice(-4000)}`);
    }
  }
  for (const server of [A, B]) await (await server.proxy)?.dispose();
  await Promise.all([devA.stop(), devB.stop()]);
  hook.server.close();
  for (const server of [A, B]) rmSync(server.state, { recursive: true, force: true });
}
const passed = results.filter(Boolean).length;
console.log(
  `[sensitive-e2e] ${ok ? "OK" : "FAILED"}: ${passed} passed, ${results.length - passed} failed, ${Date.now() - started} ms`,
);
process.exit(ok ? 0 : 1);
