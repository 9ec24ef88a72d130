/**
 * Invariants 3 and 5: our failures are JSON-RPC -32603 with a generic message and a 5xx (503 +
 * Retry-After when a dependency is down), with the detail in the audit log; the caller's faults are
 * precise tool errors. Nothing is half-done when R2 fails.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { faultyBucket } from "../support/faulty-bucket";
import { createTestKey, type TestKey } from "../support/keys";
import { captureLogs } from "../support/logs";
import { callTool, connectClient, errorCodeOf, textOf } from "../support/mcp-client";
import { mintToken } from "../support/tokens";
import { makeEnv, postMcp, toolCall } from "../support/worker";

let key: TestKey;
let token: string;

beforeAll(async () => {
  key = await createTestKey("errors");
  token = await mintToken({ key, claims: { sub: "errs" } });
});

function envWithBucket(bucket: R2Bucket): Env {
  return makeEnv(key, { FILES: bucket });
}

async function call(workerEnv: Env, tool: string, args: Record<string, unknown>) {
  const response = await postMcp(workerEnv, toolCall(tool, args), { authorization: `Bearer ${token}` });
  const body = (await response.json()) as {
    error?: { code: number; message: string };
    result?: { isError?: boolean; content: { text: string }[] };
  };
  return { response, body };
}

describe("R2 unavailable", () => {
  it.each([
    ["read_text_file", { path: "a.txt" }, ["get", "head", "list"]],
    ["write_file", { path: "a.txt", content: "x" }, ["put"]],
    ["list_directory", { path: "/" }, ["list"]],
    ["get_file_info", { path: "a.txt" }, ["head", "list"]],
    ["delete_file", { path: "a.txt" }, ["get"]],
    ["edit_file", { path: "a.txt", edits: [{ oldText: "secret", newText: "public" }] }, ["get", "head", "list"]],
    ["read_multiple_files", { paths: ["a.txt", "b.txt"] }, ["get", "head", "list"]],
    ["read_media_file", { path: "a.txt" }, ["get", "head", "list"]],
    ["move_file", { source: "a.txt", destination: "b.txt" }, ["head", "list"]],
    ["search_files", { pattern: "**" }, ["head", "list"]],
    ["directory_tree", { path: "/" }, ["list"]],
    ["list_trash", {}, ["list"]],
    ["empty_trash", {}, ["list"]],
  ] as const)(
    "%s → 503 + Retry-After, -32603, generic message, detail only in the log",
    async (tool, args, methods) => {
      await env.FILES.put("files/errs/a.txt", "secret-file-body");
      const logs = captureLogs();
      try {
        const { response, body } = await call(
          envWithBucket(faultyBucket(env.FILES, { fail: [...methods] })),
          tool,
          args,
        );
        expect(response.status).toBe(503);
        expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(body.error?.code).toBe(-32603);
        expect(body.error?.message).toBe("Storage is temporarily unavailable; retry later.");
        expect(JSON.stringify(body)).not.toContain("injected");
        const security = logs.records().find((r) => r.type === "dependency_unavailable");
        expect(security).toMatchObject({ reason: "r2", tool });
        expect(String(security?.detail)).toContain("Error");
        expect(logs.records()).toContainEqual(
          expect.objectContaining({ kind: "request", status: 503, outcome: "unavailable" }),
        );
        expect(logs.lines.join("\n")).not.toContain("secret-file-body");
      } finally {
        logs.restore();
      }
      expect(await (await env.FILES.get("files/errs/a.txt"))?.text()).toBe("secret-file-body");
    },
  );

  it("a delete whose final R2 delete fails leaves the file in place and readable", async () => {
    await env.FILES.put("files/errs/keep.txt", "still here");
    const bucket = faultyBucket(env.FILES, { fail: ["delete"] });
    const { response } = await call(envWithBucket(bucket), "delete_file", { path: "keep.txt" });
    expect(response.status).toBe(503);
    expect(await (await env.FILES.get("files/errs/keep.txt"))?.text()).toBe("still here");
  });

  it("a delete whose trash copy fails leaves the file in place and no trash entry", async () => {
    await env.FILES.put("files/errs/keep2.txt", "still here");
    const { response } = await call(envWithBucket(faultyBucket(env.FILES, { fail: ["put"] })), "delete_file", {
      path: "keep2.txt",
    });
    expect(response.status).toBe(503);
    expect(await (await env.FILES.get("files/errs/keep2.txt"))?.text()).toBe("still here");
    expect(
      (await env.FILES.list({ prefix: "trash/errs/" })).objects.filter((o) => o.key.endsWith("keep2.txt")),
    ).toHaveLength(0);
  });
});

describe("bugs", () => {
  it("an unexpected exception → 500, -32603 with only the request id, stack detail in the log", async () => {
    const broken = faultyBucket(env.FILES, {
      returnValue: { list: { objects: null, delimitedPrefixes: null, truncated: false } },
    });
    const logs = captureLogs();
    try {
      const { response, body } = await call(envWithBucket(broken), "list_directory", { path: "/" });
      expect(response.status).toBe(500);
      expect(body.error?.code).toBe(-32603);
      const requestId = response.headers.get("x-request-id");
      expect(body.error?.message).toBe(`Internal error (request ${requestId}).`);
      const event = logs.records().find((r) => r.type === "internal_error");
      expect(event).toMatchObject({ requestId, tool: "list_directory" });
      expect(String(event?.detail)).toMatch(/TypeError/);
    } finally {
      logs.restore();
    }
  });
});

describe("caller faults are precise tool errors", () => {
  it.each([
    ["read_text_file", { path: 42 }],
    ["read_text_file", { path: "a.txt", head: -1 }],
    ["read_text_file", { path: "a.txt", head: 1, tail: 1 }],
    ["read_text_file", {}],
    ["write_file", { path: "a.txt" }],
    ["write_file", { path: "a.txt", content: "x", ifMatch: "e", ifNoneMatch: "*" }],
    ["write_file", { path: "a.txt", content: "x", ifNoneMatch: "yes" }],
    ["list_directory", { path: "/", cursor: "" }],
  ])("%s %j → isError invalid_arguments (or invalid_path), arguments not echoed", async (tool, args) => {
    const client = await connectClient(makeEnv(key), token);
    const result = await callTool(client, tool, args);
    expect(["invalid_arguments", "invalid_path"]).toContain(errorCodeOf(result));
  });

  it("does not echo content back in validation errors", async () => {
    const client = await connectClient(makeEnv(key), token);
    const result = await callTool(client, "write_file", {
      path: "a.txt",
      content: "TOP-SECRET-CONTENT",
      ifNoneMatch: "no",
    });
    expect(errorCodeOf(result)).toBe("invalid_arguments");
    expect(textOf(result)).not.toContain("TOP-SECRET-CONTENT");
  });
});
