/**
 * Complete mediation (issue 18, docs/policy.md "Six ways around a path rule"): the documented example
 * policy plus a `payroll/**` read deny for non-admins, a deny of every action on `hr/**`, a
 * `require-certificate` rule on `vault/**`, and a clerk role. Each of the six walk-arounds, the NFD glob
 * and the certificate case is tried through the real MCP SDK client against the Worker in Miniflare,
 * and the test checks the refusal, that no content, etag or hidden name reached the caller, and what R2
 * holds afterwards.
 */
import { env } from "cloudflare:workers";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { encodeTenantId } from "../../../src/sandbox/tenant-prefix";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { AUDIENCE, mintToken } from "../../support/tokens";
import { callWorker, makeEnv } from "../../support/worker";
import { MEDIATION_POLICY } from "../../unit/policy/mediation-policy";

const SALARY = "alice 123456";
let key: TestKey;
let workerEnv: Env;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("mediation");
  workerEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify(MEDIATION_POLICY) });
});

interface Who {
  readonly tenant: string;
  readonly client: Client;
}

/** A real SDK client; `cf` simulates what Cloudflare's edge reports about a client certificate. */
async function clientFor(
  environment: Env,
  tenant: string,
  roles: readonly string[],
  cf?: Record<string, unknown>,
): Promise<Client> {
  const token = await mintToken({
    key,
    claims: { sub: tenant, roles: [...roles], auth_time: Math.floor(Date.now() / 1000) - 10 },
  });
  const client = new Client(
    { name: "attacker", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(AUDIENCE), {
      fetch: (url, init) =>
        callWorker(environment, new Request(url, { ...init, ...(cf ? { cf } : {}) } as RequestInit)),
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

async function tenantWith(files: Record<string, string>): Promise<string> {
  const tenant = `med${(counter++).toString(36)}x${Date.now().toString(36)}`;
  await Promise.all(Object.entries(files).map(([path, body]) => env.FILES.put(`files/${tenant}/${path}`, body)));
  return tenant;
}

async function as(tenant: string, roles: readonly string[]): Promise<Who> {
  return { tenant, client: await clientFor(workerEnv, tenant, roles) };
}

async function stored(tenant: string, path: string): Promise<string | null> {
  return (await env.FILES.get(`files/${tenant}/${path}`))?.text() ?? null;
}

async function fileKeys(tenant: string): Promise<string[]> {
  const listed = await env.FILES.list({ prefix: `files/${tenant}/` });
  return listed.objects.map((object) => object.key.slice(`files/${tenant}/`.length)).sort();
}

async function trashKeys(tenant: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `trash/${tenant}/` })).objects.map((object) => object.key);
}

async function settled(who: Who, operationId: string): Promise<Record<string, unknown>> {
  for (;;) {
    const record = (await callTool(who.client, "get_operation", { operationId })).structuredContent as {
      status: string;
    };
    if (record.status !== "running") return record;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function everything(result: unknown): string {
  return JSON.stringify(result);
}

// `hr` as a name of its own, not inside a random trash id or etag (`…-1hrdk…` made this flaky).
const HR_NAMES = /(?<![A-Za-z0-9_-])hr(?![A-Za-z0-9_-])|people/;
const HR_NAMES_AND_CONTENT = /(?<![A-Za-z0-9_-])hr(?![A-Za-z0-9_-])|people|reviews|carol/;

describe("1. content through a write tool", () => {
  it("edit_file on a read-denied file is refused: no diff, no edit_not_found oracle, nothing changed", async () => {
    const tenant = await tenantWith({ "payroll/2026.txt": `${SALARY}\nbob 654321\n` });
    const editor = await as(tenant, ["editor"]);
    const real = await callTool(editor.client, "edit_file", {
      path: "payroll/2026.txt",
      edits: [{ oldText: "bob", newText: "rob" }],
    });
    expect(errorCodeOf(real)).toBe("policy_denied");
    expect(textOf(real)).toContain("(rule payroll-admins-only)");
    expect(everything(real)).not.toContain("123456");
    for (const guess of ["alice 123456", "alice 999999"]) {
      const probe = await callTool(editor.client, "edit_file", {
        path: "payroll/2026.txt",
        edits: [{ oldText: guess, newText: guess }],
      });
      expect(errorCodeOf(probe)).toBe("policy_denied");
    }
    const dry = await callTool(editor.client, "edit_file", {
      path: "payroll/2026.txt",
      edits: [{ oldText: "bob", newText: "rob" }],
      dryRun: true,
    });
    expect(errorCodeOf(dry)).toBe("policy_denied");
    expect(await stored(tenant, "payroll/2026.txt")).toBe(`${SALARY}\nbob 654321\n`);
    // The admin, whom the rule does not apply to, edits as before.
    const admin = await as(tenant, ["admin"]);
    const allowed = await callTool(admin.client, "edit_file", {
      path: "payroll/2026.txt",
      edits: [{ oldText: "bob", newText: "rob" }],
    });
    expect(allowed.isError, textOf(allowed)).toBeFalsy();
  });
});

describe("2. renaming the directory the rule names", () => {
  it("move_file payroll → open/pay is refused before anything moves (dir/** covers dir)", async () => {
    const tenant = await tenantWith({ "payroll/2026.txt": SALARY, "open/readme.txt": "hi" });
    const editor = await as(tenant, ["editor"]);
    for (const source of ["payroll", "/payroll", "payroll/"]) {
      const moved = await callTool(editor.client, "move_file", { source, destination: "open/pay" });
      expect(errorCodeOf(moved), source).toBe("policy_denied");
      expect(textOf(moved)).toContain("(rule payroll-admins-only)");
    }
    const copied = await callTool(editor.client, "copy_file", { source: "payroll", destination: "open/pay" });
    expect(errorCodeOf(copied)).toBe("policy_denied");
    expect(await fileKeys(tenant)).toEqual(["open/readme.txt", "payroll/2026.txt"]);
    const read = await callTool(editor.client, "read_text_file", { path: "open/pay/2026.txt" });
    expect(errorCodeOf(read)).toBe("not_found");
  });

  it("a directory holding one read-denied object is refused whole at the storage gate", async () => {
    // `open` itself is not denied, so the up-front decision lets the move through; the gate judges
    // every object and refuses `open/.env` (no-dotenv), before anything moves.
    const tenant = await tenantWith({ "open/a.txt": "a", "open/.env": "SECRET=1", "open/sub/b.txt": "b" });
    const editor = await as(tenant, ["editor"]);
    const moved = await callTool(editor.client, "move_file", { source: "open", destination: "public" });
    expect(errorCodeOf(moved)).toBe("policy_denied");
    expect(textOf(moved)).toContain("(rule no-dotenv)");
    const copied = await callTool(editor.client, "copy_file", { source: "open", destination: "public" });
    expect(errorCodeOf(copied)).toBe("policy_denied");
    expect(await fileKeys(tenant)).toEqual(["open/.env", "open/a.txt", "open/sub/b.txt"]);
  });

  it("a background move (> 200 objects) with one denied object is refused whole before its first batch", async () => {
    const files = Object.fromEntries(Array.from({ length: 205 }, (_, i) => [`big/${i}.txt`, "x"]));
    const tenant = await tenantWith({ ...files, "big/deep/.env": "SECRET=1" });
    const editor = await as(tenant, ["editor"]);
    const started = await callTool(editor.client, "move_file", { source: "big", destination: "leak" });
    expect(started.isError, textOf(started)).toBeFalsy();
    const { operationId } = started.structuredContent as { operationId: string };
    const record = await settled(editor, operationId);
    expect(record).toMatchObject({ status: "failed", progress: { objects: 0 } });
    expect(everything(record)).toContain("policy_denied");
    expect(everything(record)).toContain("no-dotenv");
    const keys = await fileKeys(tenant);
    expect(keys).toHaveLength(206);
    expect(keys.every((path) => path.startsWith("big/"))).toBe(true);
  }, 60_000);

  it("a move of vault (require-certificate) without a certificate is refused", async () => {
    const tenant = await tenantWith({ "vault/key.txt": "k" });
    const editor = await as(tenant, ["editor"]);
    const moved = await callTool(editor.client, "move_file", { source: "vault", destination: "open/v" });
    expect(errorCodeOf(moved)).toBe("certificate_required");
    expect(await fileKeys(tenant)).toEqual(["vault/key.txt"]);
  });
});

describe("3. restore to another destination", () => {
  it("an entry under payroll (names listable) cannot be restored elsewhere: that would read it", async () => {
    const tenant = await tenantWith({ "payroll/old.txt": SALARY, "notes.txt": "n" });
    const admin = await as(tenant, ["admin"]);
    const deleted = await callTool(admin.client, "delete_file", { path: "payroll/old.txt" });
    const { trashId } = deleted.structuredContent as { trashId: string };
    await callTool(admin.client, "delete_file", { path: "notes.txt" });
    const adminTrash = await callTool(admin.client, "list_trash");
    expect(textOf(adminTrash)).toContain("/payroll/old.txt");

    const editor = await as(tenant, ["editor"]);
    // The editor may list payroll (names), so the entry shows; restoring it elsewhere would read it.
    expect(textOf(await callTool(editor.client, "list_trash"))).toContain("/payroll/old.txt");
    const restored = await callTool(editor.client, "restore_file", { trashId, destination: "open/old.txt" });
    expect(errorCodeOf(restored)).toBe("policy_denied");
    expect(textOf(restored)).toContain("(rule payroll-admins-only)");
    expect(await stored(tenant, "open/old.txt")).toBeNull();
    expect((await trashKeys(tenant)).some((key) => key.endsWith("/payroll/old.txt"))).toBe(true);
  });

  it("list_trash leaves out entries whose original path the caller may not list", async () => {
    const tenant = await tenantWith({ "hr/people.txt": "carol", "notes.txt": "n" });
    const admin = await as(tenant, ["admin"]);
    const deleted = await callTool(admin.client, "delete_file", { path: "hr/people.txt" });
    const { trashId } = deleted.structuredContent as { trashId: string };
    await callTool(admin.client, "delete_file", { path: "notes.txt" });
    const editor = await as(tenant, ["editor"]);
    const listed = await callTool(editor.client, "list_trash");
    expect(textOf(listed)).toContain("/notes.txt");
    expect(everything(listed)).not.toMatch(HR_NAMES);
    expect(everything(await callTool(editor.client, "list_trash", { trashId }))).not.toMatch(HR_NAMES);
    const restored = await callTool(editor.client, "restore_file", { trashId, destination: "mine.txt" });
    expect(errorCodeOf(restored)).toBe("policy_denied");
    expect(await stored(tenant, "mine.txt")).toBeNull();
  });
});

describe("operation records", () => {
  it("an operation on a directory the reader may not list is not found, whoever started it", async () => {
    const files = Object.fromEntries(Array.from({ length: 205 }, (_, i) => [`hr/people/${i}.txt`, "carol"]));
    const tenant = await tenantWith(files);
    const admin = await as(tenant, ["admin"]);
    const copied = await callTool(admin.client, "copy_file", { source: "hr", destination: "archive-2026" });
    expect(copied.isError, textOf(copied)).toBeFalsy();
    const { operationId } = copied.structuredContent as { operationId: string };
    expect(await settled(admin, operationId)).toMatchObject({ status: "succeeded", source: "/hr" });

    const editor = await as(tenant, ["editor"]);
    const seen = await callTool(editor.client, "get_operation", { operationId });
    expect(errorCodeOf(seen)).toBe("not_found");
    expect(everything(seen)).not.toMatch(HR_NAMES);
  }, 60_000);

  it("a problem naming a path the reader may not list is left out, still counted", async () => {
    const tenant = await tenantWith({ "open/a.txt": "a" });
    const operationId = `op-${Date.now().toString(36).padStart(9, "0")}-abc123`;
    const record = {
      operationId,
      kind: "move",
      status: "failed",
      source: "/open",
      destination: "/elsewhere",
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      progress: { objects: 1, files: 1, bytes: 1, resumed: 0, skipped: 2 },
      errors: [
        { code: "conflict", path: "/open/a.txt", message: "changed during the move; left in place" },
        { code: "conflict", path: "/hr/people.txt", message: "changed during the move; left in place" },
      ],
      errorCount: 2,
    };
    await env.FILES.put(`ops/${encodeTenantId(tenant)}/${operationId}`, JSON.stringify(record));
    const editor = await as(tenant, ["editor"]);
    const seen = await callTool(editor.client, "get_operation", { operationId });
    expect(seen.isError, textOf(seen)).toBeFalsy();
    expect(seen.structuredContent).toMatchObject({ errorCount: 2, errors: [{ path: "/open/a.txt" }] });
    expect(everything(seen)).not.toMatch(HR_NAMES);
    expect(textOf(seen)).toContain("… and 1 more");
    const admin = await as(tenant, ["admin"]);
    const adminSeen = await callTool(admin.client, "get_operation", { operationId });
    expect((adminSeen.structuredContent as { errors: unknown[] }).errors).toHaveLength(2);
  });

  it("a stored path this server cannot parse back is judged hidden, for every reader (fail closed)", async () => {
    const tenant = await tenantWith({ "open/a.txt": "a" });
    const at = new Date().toISOString();
    const record = (operationId: string, fields: Record<string, unknown>) => ({
      operationId,
      kind: "move",
      status: "failed",
      source: "/open",
      startedAt: at,
      updatedAt: at,
      progress: { objects: 1, files: 1, bytes: 1, resumed: 0, skipped: 1 },
      errors: [],
      errorCount: 0,
      ...fields,
    });
    const id = (suffix: string) => `op-${Date.now().toString(36).padStart(9, "0")}-${suffix}`;
    // Only this server writes these records; one naming a path it would refuse is judged, never shown.
    const unreadableDestination = id("dest01");
    const unreadableProblem = id("prob01");
    await env.FILES.put(
      `ops/${encodeTenantId(tenant)}/${unreadableDestination}`,
      JSON.stringify(record(unreadableDestination, { destination: "/../outside" })),
    );
    await env.FILES.put(
      `ops/${encodeTenantId(tenant)}/${unreadableProblem}`,
      JSON.stringify(
        record(unreadableProblem, {
          destination: "/elsewhere",
          errors: [
            { code: "conflict", path: "/open/a.txt", message: "changed during the move; left in place" },
            { code: "conflict", path: "/open/../../x", message: "changed during the move; left in place" },
          ],
          errorCount: 2,
        }),
      ),
    );
    const admin = await as(tenant, ["admin"]);
    const hidden = await callTool(admin.client, "get_operation", { operationId: unreadableDestination });
    expect(errorCodeOf(hidden)).toBe("not_found");
    expect(everything(hidden)).not.toContain("outside");
    const partial = await callTool(admin.client, "get_operation", { operationId: unreadableProblem });
    expect(partial.isError, textOf(partial)).toBeFalsy();
    expect(partial.structuredContent).toMatchObject({ errorCount: 2, errors: [{ path: "/open/a.txt" }] });
    expect((partial.structuredContent as { errors: unknown[] }).errors).toHaveLength(1);
    expect(everything(partial)).not.toContain("../");
  });
});

describe("4. restore past write denies", () => {
  it("a clerk refused archive/p.txt cannot restore a file there, nor onto web/.env", async () => {
    const tenant = await tenantWith({});
    const clerk = await as(tenant, ["clerk"]);
    expect(errorCodeOf(await callTool(clerk.client, "write_file", { path: "archive/p.txt", content: "p" }))).toBe(
      "policy_denied",
    );
    for (const destination of ["archive/p.txt", "web/.env"]) {
      await callTool(clerk.client, "write_file", { path: "tmp/p.txt", content: "SECRET=p" });
      const deleted = await callTool(clerk.client, "delete_file", { path: "tmp/p.txt" });
      const { trashId } = deleted.structuredContent as { trashId: string };
      const restored = await callTool(clerk.client, "restore_file", { trashId, destination });
      expect(errorCodeOf(restored), destination).toBe("policy_denied");
      expect(await stored(tenant, destination)).toBeNull();
    }
    expect((await fileKeys(tenant)).filter((path) => path.endsWith(".txt") || path.endsWith(".env"))).toEqual([]);
  });
});

describe("5. listing the denied directory itself", () => {
  it("hr, hr/, /hr are refused to list; listings, trees, searches and resources leave hr out", async () => {
    const tenant = await tenantWith({ "hr/people.txt": "carol", "hr/reviews/x.txt": "y", "team.txt": "t" });
    const editor = await as(tenant, ["editor"]);
    for (const path of ["hr", "hr/", "/hr"]) {
      for (const tool of ["list_directory", "list_directory_with_sizes", "directory_tree", "search_files"]) {
        const result = await callTool(editor.client, tool, { path, pattern: "**" });
        expect(errorCodeOf(result), `${tool} ${path}`).toBe("policy_denied");
        expect(everything(result)).not.toContain("people");
      }
    }
    const root = [
      await callTool(editor.client, "list_directory", { path: "/" }),
      await callTool(editor.client, "list_directory_with_sizes", { path: "/" }),
      await callTool(editor.client, "directory_tree", { path: "/" }),
      await callTool(editor.client, "search_files", { path: "/", pattern: "**" }),
      await editor.client.listResources(),
    ];
    const searched = await callTool(editor.client, "search_file_contents", { path: "/", pattern: "carol" });
    expect(searched.structuredContent).toMatchObject({ matches: [], filesSearched: 1 });
    for (const result of [...root, searched]) {
      if (result !== searched) expect(everything(result)).toContain("team");
      expect(everything(result)).not.toMatch(HR_NAMES_AND_CONTENT);
    }
  });
});

describe("6. content hashes", () => {
  it("listings of a read-denied directory omit etags; conflicts do not hand them out either", async () => {
    const tenant = await tenantWith({ "payroll/2026.txt": SALARY, "open/a.txt": "a" });
    const realEtag = (await env.FILES.head(`files/${tenant}/payroll/2026.txt`))?.etag;
    const editor = await as(tenant, ["editor"]);
    const listing = await callTool(editor.client, "list_directory_with_sizes", { path: "payroll" });
    expect(listing.isError, textOf(listing)).toBeFalsy();
    const entries = (listing.structuredContent as { entries: { name: string; etag?: string }[] }).entries;
    expect(entries.map((entry) => entry.name)).toEqual(["2026.txt"]);
    expect(entries[0]?.etag).toBeUndefined();
    expect(everything(listing)).not.toContain(realEtag);
    const open = await callTool(editor.client, "list_directory_with_sizes", { path: "open" });
    expect((open.structuredContent as { entries: { etag?: string }[] }).entries[0]?.etag).toBeDefined();
    // A write conditional on an etag compares content: it needs read, whatever the guess.
    for (const ifMatch of ["00000000000000000000000000000000", realEtag]) {
      const conditional = await callTool(editor.client, "write_file", {
        path: "payroll/2026.txt",
        content: "x",
        ifMatch,
      });
      expect(errorCodeOf(conditional)).toBe("policy_denied");
    }
    expect(errorCodeOf(await callTool(editor.client, "get_file_info", { path: "payroll/2026.txt" }))).toBe(
      "policy_denied",
    );
    expect(await stored(tenant, "payroll/2026.txt")).toBe(SALARY);
  });
});

describe("equality oracles", () => {
  it("a copy onto a read-denied file does not say whether it holds the same content", async () => {
    const tenant = await tenantWith({ "payroll/2026.txt": SALARY, "tmp/right.txt": SALARY, "tmp/wrong.txt": "x" });
    const editor = await as(tenant, ["editor"]);
    for (const guess of ["tmp/right.txt", "tmp/wrong.txt"]) {
      const copied = await callTool(editor.client, "copy_file", { source: guess, destination: "payroll/2026.txt" });
      expect(errorCodeOf(copied), guess).toBe("already_exists");
    }
    expect(await stored(tenant, "payroll/2026.txt")).toBe(SALARY);
  });
});

describe("rule globs written decomposed (NFD)", () => {
  it("are normalised at load and match the NFC paths the sandbox stores", async () => {
    const decomposed = "cafe\u0301/**";
    const policy = {
      version: 1,
      rules: [{ id: "no-cafe", effect: "deny", actions: ["read", "list"], paths: [decomposed] }],
    };
    const nfdEnv = makeEnv(key, { ACCESS_POLICY: JSON.stringify(policy) });
    const tenant = await tenantWith({ "caf\u00e9/menu.txt": "espresso" });
    const client = await clientFor(nfdEnv, tenant, []);
    const read = await callTool(client, "read_text_file", { path: "caf\u00e9/menu.txt" });
    expect(errorCodeOf(read)).toBe("policy_denied");
    expect(textOf(read)).toContain("(rule no-cafe)");
    const viaNfd = await callTool(client, "read_text_file", { path: "cafe\u0301/menu.txt" });
    expect(errorCodeOf(viaNfd)).toBe("policy_denied");
    expect(everything(await callTool(client, "list_directory", { path: "/" }))).not.toContain("menu");
  });
});

describe("require-certificate reads the certificate authentication accepted", () => {
  const FINGERPRINT = "ab".repeat(32);
  const accepted = {
    tlsClientAuth: {
      certPresented: "1",
      certVerified: "SUCCESS",
      certRevoked: "0",
      certFingerprintSHA256: FINGERPRINT,
    },
  };

  it("a CA-verified result that authentication did not accept does not satisfy the rule", async () => {
    const tenant = await tenantWith({ "vault/key.txt": "k" });
    // Verified by the CA, but not presented with a fingerprint: not a certificate authentication accepted.
    const half = await clientFor(workerEnv, tenant, ["editor"], { tlsClientAuth: { certVerified: "SUCCESS" } });
    const refused = await callTool(half, "read_text_file", { path: "vault/key.txt" });
    expect(errorCodeOf(refused)).toBe("certificate_required");
    expect(everything(refused)).not.toContain('"k"');
    const whole = await clientFor(workerEnv, tenant, ["editor"], accepted);
    expect(textOf(await callTool(whole, "read_text_file", { path: "vault/key.txt" }))).toBe("k");
  });

  it("with MTLS_CERT_FINGERPRINTS, only a listed certificate is accepted, and so satisfies the rule", async () => {
    const boundEnv = makeEnv(key, {
      ACCESS_POLICY: JSON.stringify(MEDIATION_POLICY),
      MTLS_MODE: "bound",
      MTLS_CERT_FINGERPRINTS: FINGERPRINT,
    });
    const tenant = await tenantWith({ "vault/key.txt": "k" });
    const listed = await clientFor(boundEnv, tenant, ["editor"], accepted);
    expect(textOf(await callTool(listed, "read_text_file", { path: "vault/key.txt" }))).toBe("k");
    const none = await clientFor(boundEnv, tenant, ["editor"]);
    expect(errorCodeOf(await callTool(none, "read_text_file", { path: "vault/key.txt" }))).toBe("certificate_required");
  });
});
