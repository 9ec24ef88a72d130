/**
 * A step-up rule judged at the storage gate (a rule on `labels`, known only once the content is read and
 * classified) is answered like one decided up front: HTTP 401 `insufficient_user_authentication` with
 * the rule's `max_age` / `acr_values` (RFC 9470), nothing returned, so an SDK client's auth provider
 * signs the user in again and the retried call goes through. The refusal is audited with its rule and
 * the log line shows the challenge. Copies and moves judged by the label an object carries get it too. A
 * batch member, a file among others in read_multiple_files, or a background step keeps the tool error
 * (docs/policy.md, "Step-up on labels").
 */

import { env } from "cloudflare:workers";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../../src/env";
import { createAccessGate } from "../../../src/policy/gate";
import { parsePolicy } from "../../../src/policy/policy";
import { OperationSteps } from "../../../src/sandbox/sandbox";
import * as gen from "../../fixtures/dlp/positives";
import { createRandom } from "../../fixtures/dlp/random";
import { type RecordingQueue, recordingQueue } from "../../support/audit";
import { createTestKey, type TestKey } from "../../support/keys";
import { captureLogs } from "../../support/logs";
import { errorCodeOf, textOf } from "../../support/mcp-client";
import { AUDIENCE, mintToken } from "../../support/tokens";
import { callWorker, makeEnv, postMcp, toolCall } from "../../support/worker";

const METADATA = "https://files.example.test/.well-known/oauth-protected-resource/mcp";
const CARD = "4556 7375 8689 9855";
const CUSTOMERS = `name,card\nM. Rossi,${CARD}\n`;
// Generated at run time (fixtures/dlp), so no key-shaped string is committed for the secret scan to flag.
const SECRET_LINE = `aws_secret_access_key = ${gen.awsSecret(createRandom(2102))}\n`;
const POLICY = {
  version: 1,
  rules: [
    { id: "fresh-login-for-pii", effect: "step-up", actions: ["read"], labels: ["pii"], maxAuthAgeSeconds: 300 },
    {
      id: "mfa-to-write-secrets",
      effect: "step-up",
      actions: ["write", "overwrite"],
      labels: ["secret"],
      acrValues: ["urn:mfa"],
    },
    { id: "fresh-login-for-vault", effect: "step-up", actions: ["read"], paths: ["vault/**"], maxAuthAgeSeconds: 300 },
  ],
};
const PII_CHALLENGE =
  'Bearer error="insufficient_user_authentication", error_description="read_text_file requires a sign-in within ' +
  `the last 300 seconds (rule fresh-login-for-pii); sign in again and retry.", max_age="300", resource_metadata="${METADATA}"`;

let key: TestKey;
let queue: RecordingQueue;
let workerEnv: Env;
let counter = 0;

beforeAll(async () => {
  key = await createTestKey("label-step-up");
});

beforeEach(() => {
  queue = recordingQueue();
  workerEnv = makeEnv(key, { AUDIT_QUEUE: queue, ACCESS_POLICY: JSON.stringify(POLICY) });
});

/** A tenant holding a pii file, a plain one and a file under vault/, with tokens of any login age. */
async function tenantWithFiles() {
  const tenant = `lsu${Date.now().toString(36)}x${(counter++).toString(36)}`;
  await env.FILES.put(`files/${tenant}/customers.csv`, CUSTOMERS);
  await env.FILES.put(`files/${tenant}/plain.txt`, "nothing sensitive\n");
  await env.FILES.put(`files/${tenant}/vault/keys.txt`, "vault note\n");
  const token = (authAge: number, claims: Record<string, unknown> = {}) =>
    mintToken({ key, claims: { sub: tenant, auth_time: Math.floor(Date.now() / 1000) - authAge, ...claims } });
  return { tenant, token };
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

type Event = {
  class_uid: number;
  unmapped?: { tool?: string };
  actor?: { authorizations?: { decision: string; policy: { uid: string } }[] };
};

function auditEvents(): Event[] {
  return (queue.messages.map((message) => message.body) as { events?: Event[] }[]).flatMap((body) => body.events ?? []);
}

describe("a label step-up over HTTP", () => {
  it("a stale login reading a pii file gets the 401 challenge and no content; audited and logged as a step-up", async () => {
    const { token } = await tenantWithFiles();
    const logs = captureLogs();
    let response: Response;
    try {
      response = await postMcp(
        workerEnv,
        toolCall("read_text_file", { path: "customers.csv" }, 7),
        bearer(await token(3600)),
      );
    } finally {
      logs.restore();
    }
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(PII_CHALLENGE);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: {
        code: -32000,
        message:
          "Unauthorized: read_text_file requires a sign-in within the last 300 seconds (rule fresh-login-for-pii); sign in again and retry.",
      },
    });
    expect(text).not.toContain("Rossi");
    expect(text).not.toContain("payment-card"); // nothing of what the content holds, not even its detector

    const line = logs.lineRecords().find((record) => record.kind === "request");
    expect(line).toMatchObject({
      status: 401,
      outcome: "denied",
      errorCode: "insufficient_user_authentication",
      decision: "step-up",
      rule: "fresh-login-for-pii",
      tool: "read_text_file",
    });
    expect(logs.lines.join("\n")).not.toContain("Rossi");

    // The call's File Hosting event: denied by the rule, as a tool-error refusal was; no content.
    const read = auditEvents().find((event) => event.class_uid === 6006 && event.unmapped?.tool === "read_text_file");
    expect(read?.actor?.authorizations).toEqual([{ decision: "denied", policy: { uid: "fresh-login-for-pii" } }]);
    expect(JSON.stringify(auditEvents())).not.toContain("Rossi");
  });

  it("a fresh login reads the same file; a stale one still reads a file without the label", async () => {
    const { token } = await tenantWithFiles();
    const fresh = await postMcp(
      workerEnv,
      toolCall("read_text_file", { path: "customers.csv" }),
      bearer(await token(10)),
    );
    expect(fresh.status).toBe(200);
    expect(JSON.stringify(await fresh.json())).toContain(CARD);
    const plain = await postMcp(
      workerEnv,
      toolCall("read_text_file", { path: "plain.txt" }),
      bearer(await token(3600)),
    );
    expect(plain.status).toBe(200);
    expect(JSON.stringify(await plain.json())).toContain("nothing sensitive");
  });

  it("a write whose content needs a stronger login gets acr_values, and nothing is written", async () => {
    const { tenant, token } = await tenantWithFiles();
    const stale = await token(10, { acr: "urn:pwd" });
    const response = await postMcp(
      workerEnv,
      toolCall("write_file", { path: "deploy.ini", content: SECRET_LINE }),
      bearer(stale),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      'Bearer error="insufficient_user_authentication", error_description="write_file requires authentication level ' +
        `urn:mfa (rule mfa-to-write-secrets); sign in again and retry.", acr_values="urn:mfa", resource_metadata="${METADATA}"`,
    );
    expect(await env.FILES.head(`files/${tenant}/deploy.ini`)).toBeNull();
    const strong = await token(10, { acr: "urn:mfa" });
    const written = await postMcp(
      workerEnv,
      toolCall("write_file", { path: "deploy.ini", content: SECRET_LINE }),
      bearer(strong),
    );
    expect(written.status).toBe(200);
    expect(await (await env.FILES.get(`files/${tenant}/deploy.ini`))?.text()).toBe(SECRET_LINE);
  });

  it("read_multiple_files that reads no file, one refused for the login: the challenge", async () => {
    const { token } = await tenantWithFiles();
    const stale = await token(3600);
    for (const paths of [["customers.csv"], ["missing.txt", "customers.csv"]]) {
      const response = await postMcp(workerEnv, toolCall("read_multiple_files", { paths }), bearer(stale));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(
        PII_CHALLENGE.replace("read_text_file", "read_multiple_files"),
      );
      expect(await response.text()).not.toContain("Rossi");
    }
    const fresh = await postMcp(
      workerEnv,
      toolCall("read_multiple_files", { paths: ["missing.txt", "customers.csv"] }),
      bearer(await token(10)),
    );
    const text = textOf(((await fresh.json()) as { result: CallToolResult }).result);
    expect(text).toContain("[not_found]");
    expect(text).toContain(CARD);
  });

  it("resources/read of a pii file, and of a path under a step-up rule, gets the challenge too", async () => {
    const { token } = await tenantWithFiles();
    const stale = await token(3600);
    const read = (uri: string) =>
      postMcp(workerEnv, { jsonrpc: "2.0", id: 3, method: "resources/read", params: { uri } }, bearer(stale));
    const pii = await read("r2-files:///customers.csv");
    expect(pii.status).toBe(401);
    expect(pii.headers.get("www-authenticate")).toBe(PII_CHALLENGE.replace("read_text_file", "resources/read"));
    expect(await pii.text()).not.toContain("Rossi");
    const vault = await read("r2-files:///vault/keys.txt");
    expect(vault.status).toBe(401);
    expect(vault.headers.get("www-authenticate")).toContain("(rule fresh-login-for-vault)");
    expect(vault.headers.get("www-authenticate")).toContain('max_age="300"');
    expect(await vault.text()).not.toContain("vault note");
  });
});

describe("where part of the answer carries content, the refusal stays a tool error", () => {
  it("a 2025-03-26 batch: the pii member gets the tool error, the others their answers, no challenge", async () => {
    const { token } = await tenantWithFiles();
    const response = await callWorker(workerEnv, "/mcp", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...bearer(await token(3600)),
      },
      body: JSON.stringify([
        toolCall("read_text_file", { path: "plain.txt" }, 1),
        toolCall("read_text_file", { path: "customers.csv" }, 2),
      ]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("www-authenticate")).toBeNull();
    const entries = (await response.json()) as { id: number; result: CallToolResult }[];
    expect(entries.map((entry) => entry.id)).toEqual([1, 2]);
    expect(textOf(entries[0]!.result)).toBe("nothing sensitive\n");
    expect(errorCodeOf(entries[1]!.result)).toBe("policy_denied");
    expect(textOf(entries[1]!.result)).toContain("(rule fresh-login-for-pii)");
    expect(JSON.stringify(entries)).not.toContain("Rossi");
  });

  it("read_multiple_files: the pii file gets its own error beside the plain file's content", async () => {
    const { token } = await tenantWithFiles();
    const response = await postMcp(
      workerEnv,
      toolCall("read_multiple_files", { paths: ["plain.txt", "customers.csv"] }),
      bearer(await token(3600)),
    );
    expect(response.status).toBe(200);
    const text = textOf(((await response.json()) as { result: CallToolResult }).result);
    expect(text).toContain("nothing sensitive");
    expect(text).toContain("customers.csv: Error - [policy_denied]");
    expect(text).toContain("(rule fresh-login-for-pii)");
    expect(text).not.toContain("Rossi");
  });
});

describe("copies and moves carry the label", () => {
  it("copying or moving a pii file with a stale login gets the challenge, and nothing is copied or moved", async () => {
    const { tenant, token } = await tenantWithFiles();
    const fresh = await token(10);
    // Labelled by a read (a copy judges the label the object carries).
    expect(
      (await postMcp(workerEnv, toolCall("read_text_file", { path: "customers.csv" }), bearer(fresh))).status,
    ).toBe(200);
    const stale = await token(3600);
    for (const tool of ["copy_file", "move_file"]) {
      const response = await postMcp(
        workerEnv,
        toolCall(tool, { source: "customers.csv", destination: "out/customers.csv" }),
        bearer(stale),
      );
      expect(response.status, tool).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe(PII_CHALLENGE.replace("read_text_file", tool));
    }
    expect(await env.FILES.head(`files/${tenant}/out/customers.csv`)).toBeNull();
    expect(await (await env.FILES.get(`files/${tenant}/customers.csv`))?.text()).toBe(CUSTOMERS);
  });

  it("a background copy step with the stale login fails with the tool error, as before", async () => {
    const parsed = parsePolicy(JSON.stringify(POLICY));
    if (!parsed.ok) throw new Error(parsed.problem);
    const now = Math.floor(Date.now() / 1000);
    const staleGate = createAccessGate(
      parsed.policy,
      {
        scopes: new Set(["files:read", "files:write"]),
        roles: [],
        authTime: now - 3600,
        acr: undefined,
        certificateVerified: false,
      },
      now,
    );
    const tenant = `lsubg${now.toString(36)}x${(counter++).toString(36)}`;
    await env.FILES.put(`files/${tenant}/tree/customers.csv`, CUSTOMERS, {
      customMetadata: {
        "sensitivity-version": "dlp-1",
        "sensitivity-categories": "pii",
        "sensitivity-detectors": "payment-card:1",
        "sensitivity-flags": "",
      },
    });
    const steps = new OperationSteps(env.FILES, {
      operationId: "op-lsu-copy",
      tenant,
      kind: "copy",
      source: "tree",
      destination: "copied",
      startedAt: new Date().toISOString(),
      decision: staleGate.carried,
    });
    const checked = await steps.checkPage(undefined);
    expect(checked.refusal?.code).toBe("policy_denied");
    expect(checked.refusal?.details.rule).toBe("fresh-login-for-pii");
    expect(checked.refusal?.message).toContain("sign in again");
    expect(await env.FILES.head(`files/${tenant}/copied/customers.csv`)).toBeNull();
  });
});

describe("the SDK v2 client signs in again by itself", () => {
  /** A client whose auth provider holds a stale login and "signs in again" when challenged. */
  async function clientWith(mode: "2025" | "2026-07-28", stale: string, fresh: string) {
    const challenges: string[] = [];
    const statuses: number[] = [];
    let current = stale;
    const client = new ClientV2(
      { name: "step-up-agent", version: "2.0.0" },
      mode === "2026-07-28" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
    );
    await client.connect(
      new TransportV2(new URL(AUDIENCE), {
        fetch: async (url, init) => {
          const response = await callWorker(workerEnv, new Request(url, init));
          statuses.push(response.status);
          return response;
        },
        authProvider: {
          token: async () => current,
          onUnauthorized: async ({ response }) => {
            challenges.push(response.headers.get("www-authenticate") ?? "");
            current = fresh; // the user signed in again (max_age honoured by the authorization server)
          },
        },
      }),
    );
    return { client, challenges, statuses };
  }

  for (const mode of ["2025", "2026-07-28"] as const) {
    it(`read_text_file (${mode} era): challenged once, then the retried call reads the file`, async () => {
      const { token } = await tenantWithFiles();
      const { client, challenges, statuses } = await clientWith(mode, await token(3600), await token(5));
      const result = (await client.callTool({
        name: "read_text_file",
        arguments: { path: "customers.csv" },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(CUSTOMERS);
      expect(challenges).toEqual([PII_CHALLENGE]);
      expect(statuses.slice(-2)).toEqual([401, 200]);
      await client.close();
    });
  }

  it("resources/read: challenged once, then the retried read returns the file", async () => {
    const { token } = await tenantWithFiles();
    const { client, challenges } = await clientWith("2025", await token(3600), await token(5));
    const read = await client.readResource({ uri: "r2-files:///customers.csv" });
    expect((read.contents[0] as { text?: string }).text).toBe(CUSTOMERS);
    expect(challenges).toHaveLength(1);
    expect(challenges[0]).toContain('max_age="300"');
    await client.close();
  });

  it("a client without an auth provider sees the 401 as an error, never the content", async () => {
    const { token } = await tenantWithFiles();
    const stale = await token(3600);
    const client = new ClientV2({ name: "plain-agent", version: "2.0.0" });
    await client.connect(
      new TransportV2(new URL(AUDIENCE), {
        fetch: (url, init) => callWorker(workerEnv, new Request(url, init)),
        requestInit: { headers: bearer(stale) },
      }),
    );
    const attempt = client.callTool({ name: "read_text_file", arguments: { path: "customers.csv" } });
    await expect(attempt).rejects.toThrow();
    await expect(attempt.catch((error: unknown) => String(error))).resolves.not.toContain("Rossi");
    await client.close();
  });
});
