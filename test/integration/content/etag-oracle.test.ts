/**
 * Issue 21: no tool is an oracle for a redacted secret. R2's etag is the MD5 of the stored bytes, so for
 * a file whose view is redacted for the caller it would confirm a guessed secret offline, through
 * `ifMatch`, or by comparing with a guess written elsewhere. Through the real MCP client against the
 * Worker (Miniflare R2): every answer that carries an etag shows such a file's opaque version tag, never
 * its MD5; the shown tag works as `ifMatch`; an MD5 `ifMatch` is refused alike whether right or wrong and
 * nothing changes; identical secret files get different tags; a copy onto a guess is not "resumed";
 * files shown whole keep their MD5 etag. Then: copies, moves and restores are held to `write` label
 * rules at their target (docs/sensitive-data.md, "Etags"; docs/policy.md).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { parsePolicy } from "../../../src/policy/policy";
import { OperationSteps, type TreeOperationPlan } from "../../../src/sandbox/sandbox";
import * as gen from "../../fixtures/dlp/positives";
import { createRandom } from "../../fixtures/dlp/random";
import { testGate } from "../../support/gate";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, connectClient, errorCodeOf, textOf } from "../../support/mcp-client";
import { mintToken } from "../../support/tokens";
import { makeEnv } from "../../support/worker";

const random = createRandom(2121);
const KEY_ID = gen.awsKeyId(random);
const SECRET = gen.awsSecret(random);
const SECRET_FILE = `[default]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\nregion = eu-west-1\n`;
const PLAIN_FILE = "nothing sensitive here\n";
const WRONG_MD5 = "0123456789abcdef0123456789abcdef";

let key: TestKey;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("etag-oracle");
});

async function session(workerEnv?: Env) {
  const tenant = `etag${Date.now().toString(36)}${counter++}`;
  const token = await mintToken({ key, claims: { sub: tenant, scope: "files:read files:write files:delete" } });
  const client = await connectClient(workerEnv ?? makeEnv(key), token);
  const answers: string[] = [];
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await callTool(client, name, args);
    answers.push(JSON.stringify(result));
    return result;
  };
  return {
    tenant,
    client,
    call,
    /** Everything every call of this session answered, as JSON. */
    answers,
    head: (path: string) => env.FILES.head(`files/${tenant}/${path}`),
    stored: async (path: string) => (await env.FILES.get(`files/${tenant}/${path}`))?.text(),
  };
}

type Entry = { name: string; etag?: string };
const entries = (result: { structuredContent?: unknown }) => (result.structuredContent as { entries: Entry[] }).entries;
const fileOf = (result: { structuredContent?: unknown }) => (result.structuredContent as { file: Entry }).file;
const etagOf = (result: { structuredContent?: unknown }) => (result.structuredContent as Entry).etag;

describe("a file whose view is redacted for the caller", () => {
  it("never shows its MD5: receipts, listings, get_file_info, conflicts, appends and resources show an opaque tag", async () => {
    const s = await session();
    const written = await s.call("write_file", { path: "deploy.ini", content: SECRET_FILE });
    expect(written.isError).toBeFalsy();
    const md5 = (await s.head("deploy.ini"))!.etag;
    const tag = fileOf(written).etag!;
    expect(tag).toMatch(/^opaque-/);
    expect(tag).toBe(`opaque-${(await s.head("deploy.ini"))!.version}`);

    const listed = await s.call("list_directory_with_sizes", { path: "/" });
    expect(entries(listed).find((e) => e.name === "deploy.ini")?.etag).toBe(tag);
    await s.call("list_directory", { path: "/" });
    expect(etagOf(await s.call("get_file_info", { path: "deploy.ini" }))).toBe(tag);
    await s.call("directory_tree", { path: "/" });
    await s.call("search_files", { path: "/", pattern: "*.ini" });
    await s.call("search_file_contents", { path: "/", pattern: "aws" });

    // Conflicts show the current etag as the caller may see it.
    const stale = await s.call("write_file", { path: "deploy.ini", content: "x\n", ifMatch: "opaque-nope" });
    expect(errorCodeOf(stale)).toBe("conflict");
    expect(textOf(stale)).toContain(tag);
    const exists = await s.call("write_file", { path: "deploy.ini", content: "x\n", ifNoneMatch: "*" });
    expect(errorCodeOf(exists)).toBe("already_exists");

    // An append's new etag is an MD5 over the old content too.
    const appended = await s.call("append_file", { path: "deploy.ini", content: "# appended\n" });
    expect(appended.isError).toBeFalsy();
    const appendedMd5 = (await s.head("deploy.ini"))!.etag;
    expect(fileOf(appended).etag).toMatch(/^opaque-/);

    await s.client.listResources();
    await s.client.readResource({ uri: "r2-files:///deploy.ini" });
    await s.call("read_text_file", { path: "deploy.ini" });
    const all = s.answers.join("\n");
    expect(all).not.toContain(md5);
    expect(all).not.toContain(appendedMd5);
  });

  it("accepts the shown tag as ifMatch, and refuses an MD5 alike whether right or wrong, changing nothing", async () => {
    const s = await session();
    const tag = fileOf(await s.call("write_file", { path: "deploy.ini", content: SECRET_FILE })).etag!;
    const before = (await s.head("deploy.ini"))!;

    const right = await s.call("write_file", { path: "deploy.ini", content: "guess\n", ifMatch: before.etag });
    const quoted = await s.call("write_file", { path: "deploy.ini", content: "guess\n", ifMatch: `"${before.etag}"` });
    const wrong = await s.call("write_file", { path: "deploy.ini", content: "guess\n", ifMatch: WRONG_MD5 });
    for (const refused of [right, quoted, wrong]) expect(errorCodeOf(refused)).toBe("conflict");
    expect(textOf(right)).toBe(textOf(wrong));
    expect(textOf(right)).toContain("ifMatch must be the etag you were shown");

    const edit = { path: "deploy.ini", edits: [{ oldText: "region = eu-west-1", newText: "region = us-east-1" }] };
    const editRight = await s.call("edit_file", { ...edit, ifMatch: before.etag });
    const editWrong = await s.call("edit_file", { ...edit, ifMatch: WRONG_MD5 });
    expect(errorCodeOf(editRight)).toBe("conflict");
    expect(textOf(editRight)).toBe(textOf(editWrong));
    expect(textOf(editRight)).not.toContain("---"); // no diff
    const dry = await s.call("edit_file", { ...edit, ifMatch: before.etag, dryRun: true });
    expect(errorCodeOf(dry)).toBe("conflict");

    const after = (await s.head("deploy.ini"))!;
    expect(after.version).toBe(before.version);
    expect(await s.stored("deploy.ini")).toBe(SECRET_FILE);

    // The shown tag works, for edits and writes, and the next shown tag after it.
    const edited = await s.call("edit_file", { ...edit, ifMatch: tag });
    expect(edited.isError).toBeFalsy();
    const next = fileOf(edited).etag!;
    expect(next).toMatch(/^opaque-/);
    expect(next).not.toBe(tag);
    expect(await s.stored("deploy.ini")).toContain(SECRET); // the secret is intact
    const rewritten = await s.call("write_file", { path: "deploy.ini", content: SECRET_FILE, ifMatch: `"${next}"` });
    expect(rewritten.isError).toBeFalsy();
    expect(errorCodeOf(await s.call("write_file", { path: "deploy.ini", content: "x\n", ifMatch: next }))).toBe(
      "conflict",
    );
  });

  it("gives identical secret files different tags, so a guess written elsewhere cannot be compared", async () => {
    const s = await session();
    const a = fileOf(await s.call("write_file", { path: "a.ini", content: SECRET_FILE })).etag;
    const b = fileOf(await s.call("write_file", { path: "b.ini", content: SECRET_FILE })).etag;
    expect((await s.head("a.ini"))!.etag).toBe((await s.head("b.ini"))!.etag); // the same bytes
    expect(a).not.toBe(b);
    const listed = entries(await s.call("list_directory_with_sizes", { path: "/" }));
    expect(listed.find((e) => e.name === "a.ini")?.etag).not.toBe(listed.find((e) => e.name === "b.ini")?.etag);
  });

  it("does not answer a copy onto a guess as 'an identical copy, resumed'", async () => {
    const s = await session();
    await s.call("write_file", { path: "deploy.ini", content: SECRET_FILE });
    await s.call("write_file", { path: "right.ini", content: SECRET_FILE });
    await s.call("write_file", { path: "wrong.ini", content: SECRET_FILE.replace(SECRET, `${SECRET.slice(1)}A`) });
    const answers = [];
    for (const [source, destination] of [
      ["right.ini", "deploy.ini"],
      ["wrong.ini", "deploy.ini"],
      ["deploy.ini", "right.ini"],
      ["deploy.ini", "wrong.ini"],
    ]) {
      const copy = await s.call("copy_file", { source, destination });
      expect(errorCodeOf(copy)).toBe("already_exists");
      answers.push(textOf(copy).replace(/\/\w+\.ini/g, "<path>"));
    }
    expect(new Set(answers).size).toBe(1);
    const moved = await s.call("move_file", { source: "right.ini", destination: "deploy.ini" });
    expect(errorCodeOf(moved)).toBe("already_exists");
    expect(await s.stored("right.ini")).toBe(SECRET_FILE);
  });

  it("shows an opaque tag for a file not labelled yet, and its MD5 once reading shows it whole", async () => {
    const s = await session();
    await env.FILES.put(`files/${s.tenant}/old.txt`, PLAIN_FILE); // written before labels existed
    const unlabelled = (await s.head("old.txt"))!;
    const shown = entries(await s.call("list_directory_with_sizes", { path: "/" }))[0]!.etag!;
    expect(shown).toBe(`opaque-${unlabelled.version}`);
    expect(errorCodeOf(await s.call("write_file", { path: "old.txt", content: "x\n", ifMatch: unlabelled.etag }))).toBe(
      "conflict",
    );
    // Reading labels it (a new version); the tag shown before is still accepted by edit_file.
    await s.call("read_text_file", { path: "old.txt" });
    const labelled = (await s.head("old.txt"))!;
    expect(labelled.version).not.toBe(unlabelled.version);
    expect(etagOf(await s.call("get_file_info", { path: "old.txt" }))).toBe(labelled.etag);
    const edit = { path: "old.txt", edits: [{ oldText: "nothing", newText: "still nothing" }] };
    expect((await s.call("edit_file", { ...edit, ifMatch: shown })).isError).toBeFalsy();
  });
});

describe("a file shown whole", () => {
  it("keeps its MD5 etag everywhere, and an MD5 ifMatch works as before", async () => {
    const s = await session();
    const written = await s.call("write_file", { path: "notes.txt", content: PLAIN_FILE });
    const md5 = (await s.head("notes.txt"))!.etag;
    expect(fileOf(written).etag).toBe(md5);
    expect(entries(await s.call("list_directory_with_sizes", { path: "/" }))[0]!.etag).toBe(md5);
    expect(etagOf(await s.call("get_file_info", { path: "notes.txt" }))).toBe(md5);
    const wrong = await s.call("write_file", { path: "notes.txt", content: "x\n", ifMatch: WRONG_MD5 });
    expect(errorCodeOf(wrong)).toBe("conflict");
    expect(textOf(wrong)).toContain(md5);
    const ok = await s.call("write_file", { path: "notes.txt", content: "y\n", ifMatch: md5 });
    expect(ok.isError).toBeFalsy();
    // Personal data is shown (not redacted) by default: its file keeps its MD5 too.
    const card = await s.call("write_file", { path: "card.txt", content: "card: 4556 7375 8689 9855\n" });
    expect(fileOf(card).etag).toBe((await s.head("card.txt"))!.etag);
  });
});

describe("copies, moves and restores are held to write label rules at their target", () => {
  const POLICY = {
    version: 1,
    rules: [
      {
        id: "no-secrets-in-public",
        effect: "deny",
        actions: ["write", "overwrite"],
        paths: ["public/**"],
        labels: ["secret"],
      },
    ],
  };
  const policyEnv = () => makeEnv(key, { ACCESS_POLICY: JSON.stringify(POLICY) });
  const keys = async (tenant: string, area = "files") =>
    (await env.FILES.list({ prefix: `${area}/${tenant}/`, limit: 1000 })).objects.map((o) =>
      o.key.slice(`${area}/${tenant}/`.length),
    );

  it("refuses copying, moving or restoring a secret under public/, and changes nothing", async () => {
    const s = await session(policyEnv());
    await s.call("write_file", { path: "private/deploy.ini", content: SECRET_FILE });
    await s.call("write_file", { path: "private/notes.txt", content: PLAIN_FILE });
    const before = await keys(s.tenant);

    for (const [tool, args] of [
      ["copy_file", { source: "private/deploy.ini", destination: "public/deploy.ini" }],
      ["move_file", { source: "private/deploy.ini", destination: "public/deploy.ini" }],
      ["copy_file", { source: "private", destination: "public/private" }],
      ["move_file", { source: "private", destination: "public/private" }],
    ] as const) {
      const refused = await s.call(tool, args);
      expect(errorCodeOf(refused), `${tool} ${JSON.stringify(args)}`).toBe("policy_denied");
      expect(textOf(refused)).toContain("no-secrets-in-public");
    }
    expect(await keys(s.tenant)).toEqual(before);
    expect(await s.stored("private/deploy.ini")).toBe(SECRET_FILE);

    const deleted = await s.call("delete_file", { path: "private/deploy.ini" });
    const trashId = (deleted.structuredContent as { trashId: string }).trashId;
    const trashed = await keys(s.tenant, "trash");
    const restore = await s.call("restore_file", { trashId, destination: "public/deploy.ini" });
    expect(errorCodeOf(restore)).toBe("policy_denied");
    expect(await keys(s.tenant, "trash")).toEqual(trashed);
    expect((await keys(s.tenant)).filter((k) => k.startsWith("public/"))).toEqual([]);
    // Back where it was is allowed, and the restored file keeps its label.
    expect((await s.call("restore_file", { trashId })).isError).toBeFalsy();
    expect((await s.head("private/deploy.ini"))!.customMetadata!["sensitivity-categories"]).toBe("secret");

    // What holds no secret goes.
    expect(
      (await s.call("copy_file", { source: "private/notes.txt", destination: "public/notes.txt" })).isError,
    ).toBeFalsy();
  });

  it("refuses a file not classified yet until reading has labelled it", async () => {
    const s = await session(policyEnv());
    await env.FILES.put(`files/${s.tenant}/old/deploy.ini`, SECRET_FILE);
    await env.FILES.put(`files/${s.tenant}/old/notes.txt`, PLAIN_FILE);
    const unclassified = await s.call("copy_file", { source: "old/notes.txt", destination: "public/notes.txt" });
    expect(errorCodeOf(unclassified)).toBe("policy_denied");
    expect(textOf(unclassified)).toContain("not been classified");
    await s.call("read_text_file", { path: "old/notes.txt" });
    await s.call("read_text_file", { path: "old/deploy.ini" });
    expect(
      (await s.call("copy_file", { source: "old/notes.txt", destination: "public/notes.txt" })).isError,
    ).toBeFalsy();
    const secret = await s.call("copy_file", { source: "old/deploy.ini", destination: "public/deploy.ini" });
    expect(errorCodeOf(secret)).toBe("policy_denied");
    expect(textOf(secret)).not.toContain("not been classified");
    expect(await s.stored("public/deploy.ini")).toBeUndefined();
    // Without a label rule at the target, an unclassified file moves as before.
    await env.FILES.put(`files/${s.tenant}/old/raw.txt`, PLAIN_FILE);
    expect(
      (await s.call("move_file", { source: "old/raw.txt", destination: "elsewhere/raw.txt" })).isError,
    ).toBeFalsy();
  });

  it("background copies and restores: the preflight refuses a secret bound for public/, each batch again", async () => {
    const parsed = parsePolicy(JSON.stringify(POLICY));
    if (!parsed.ok) throw new Error(parsed.problem);
    const gate = testGate(parsed.policy);
    const tenant = `etagbg${Date.now().toString(36)}`;
    const labelled = (categories: string, detectors: string) => ({
      customMetadata: {
        "sensitivity-version": "dlp-1",
        "sensitivity-categories": categories,
        "sensitivity-detectors": detectors,
        "sensitivity-flags": "",
      },
    });
    await env.FILES.put(`files/${tenant}/tree/a.txt`, PLAIN_FILE, labelled("", ""));
    await env.FILES.put(`files/${tenant}/tree/deploy.ini`, SECRET_FILE, labelled("secret", "aws-access-key-id:1"));
    await env.FILES.put(`trash/${tenant}/0000000003-bg/tree/deploy.ini`, SECRET_FILE, {
      customMetadata: { ...labelled("secret", "aws-access-key-id:1").customMetadata, originalPath: "tree/deploy.ini" },
    });
    const plan = (kind: "copy" | "restore"): TreeOperationPlan => ({
      operationId: `op-bg-${kind}`,
      tenant,
      kind,
      source: "tree",
      destination: "public/tree",
      ...(kind === "restore" ? { trashId: "0000000003-bg" } : {}),
      startedAt: new Date().toISOString(),
      decision: gate.carried,
    });
    for (const kind of ["copy", "restore"] as const) {
      const steps = new OperationSteps(env.FILES, plan(kind));
      const checked = await steps.checkPage(undefined);
      expect(checked.refusal?.code, kind).toBe("policy_denied");
      expect(checked.refusal?.details.rule).toBe("no-secrets-in-public");
      // A batch run anyway (an object that appeared after the preflight) leaves the secret where it is.
      const batch = await steps.runBatch(undefined);
      expect(
        batch.errors.some((error) => error.code === "policy_denied"),
        kind,
      ).toBe(true);
    }
    expect(await env.FILES.head(`files/${tenant}/public/tree/deploy.ini`)).toBeNull();
    expect(await env.FILES.head(`trash/${tenant}/0000000003-bg/tree/deploy.ini`)).not.toBeNull();
    expect(await env.FILES.head(`files/${tenant}/public/tree/a.txt`)).not.toBeNull(); // the copy's other file
  });
});
