/**
 * edit_file and conditional writes through the SDK client: diffs, dry runs, failures that change
 * nothing, ifMatch conflicts, and no lost updates under concurrency (invariant 6, docs/architecture.md).
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_EDIT_NEW_LINES, MAX_EDIT_OLD_LINES } from "../../../src/files/text-edits";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("edit");
});

type EditResult = { diff: string; file?: { etag: string }; attempts: number; dryRun: boolean };

describe("edit_file", () => {
  it("applies edits in order, returns a git-style diff and the new etag", async () => {
    const s = await openSession(key);
    await s.seed({ "src/app.ts": "function a() {\n  return 1;\n}\n" });
    const result = await callTool(s.client, "edit_file", {
      path: "src/app.ts",
      edits: [
        { oldText: "return 1;", newText: "return 2;" },
        { oldText: "function a()", newText: "function b()" },
      ],
    });
    expect(result.isError).toBeFalsy();
    const out = result.structuredContent as EditResult;
    expect(out.diff).toContain("diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n");
    expect(out.diff).toContain("-function a() {\n-  return 1;\n+function b() {\n+  return 2;\n }");
    expect(textOf(result)).toMatch(/^```diff\n/);
    expect(await s.read("src/app.ts")).toBe("function b() {\n  return 2;\n}\n");
    expect(out.file?.etag).toBe((await env.FILES.head(`files/${s.tenant}/src/app.ts`))?.etag);
  });

  it("matches whitespace-tolerantly and keeps the file's indentation", async () => {
    const s = await openSession(key);
    await s.seed({ "a.py": "def f():\n\tif x:\n\t\treturn 1\n" });
    const result = await callTool(s.client, "edit_file", {
      path: "a.py",
      edits: [{ oldText: "if x:\n    return 1", newText: "if y:\n    return 2" }],
    });
    expect(result.isError).toBeFalsy();
    expect(await s.read("a.py")).toBe("def f():\n\tif y:\n\t\treturn 2\n");
  });

  it("dryRun shows the diff and changes nothing", async () => {
    const s = await openSession(key);
    await s.seed({ "n.txt": "one\ntwo\n" });
    const before = await env.FILES.head(`files/${s.tenant}/n.txt`);
    const result = await callTool(s.client, "edit_file", {
      path: "n.txt",
      edits: [{ oldText: "two", newText: "2" }],
      dryRun: true,
    });
    expect((result.structuredContent as EditResult).dryRun).toBe(true);
    expect((result.structuredContent as EditResult).diff).toContain("+2");
    const after = await env.FILES.head(`files/${s.tenant}/n.txt`);
    expect(after?.etag).toBe(before?.etag);
  });

  it.each([
    [[{ oldText: "missing", newText: "x" }], "edit_not_found"],
    [
      [
        { oldText: "one", newText: "1" },
        { oldText: "nowhere", newText: "x" },
      ],
      "edit_not_found",
    ],
    [[{ oldText: "dup", newText: "x" }], "edit_ambiguous"],
    [[{ oldText: "", newText: "x" }], "invalid_arguments"],
  ])("%j fails with %s and changes nothing", async (edits, code) => {
    const s = await openSession(key);
    await s.seed({ "f.txt": "one\ndup\ndup\n" });
    const result = await callTool(s.client, "edit_file", { path: "f.txt", edits });
    expect(errorCodeOf(result)).toBe(code);
    expect(textOf(result)).toContain("No edits were applied");
    expect(await s.read("f.txt")).toBe("one\ndup\ndup\n");
  });

  it("refuses a missing file, a directory and binary content", async () => {
    const s = await openSession(key);
    await s.seed({ "d/x.txt": "x", "bin.dat": new Uint8Array([0xff, 0xfe, 0x00, 0x80]) });
    const edit = [{ oldText: "x", newText: "y" }];
    expect(errorCodeOf(await callTool(s.client, "edit_file", { path: "nope.txt", edits: edit }))).toBe("not_found");
    expect(errorCodeOf(await callTool(s.client, "edit_file", { path: "d", edits: edit }))).toBe("not_a_file");
    expect(errorCodeOf(await callTool(s.client, "edit_file", { path: "bin.dat", edits: edit }))).toBe("not_text");
  });

  it("with a stale ifMatch fails with conflict and changes nothing; with the current one it succeeds", async () => {
    const s = await openSession(key);
    const first = await callTool(s.client, "write_file", { path: "c.txt", content: "v1" });
    const etag1 = (first.structuredContent as { file: { etag: string } }).file.etag;
    await callTool(s.client, "write_file", { path: "c.txt", content: "v2" });
    const stale = await callTool(s.client, "edit_file", {
      path: "c.txt",
      edits: [{ oldText: "v2", newText: "v3" }],
      ifMatch: etag1,
    });
    expect(errorCodeOf(stale)).toBe("conflict");
    expect(await s.read("c.txt")).toBe("v2");
    const current = (await env.FILES.head(`files/${s.tenant}/c.txt`))!.etag;
    const ok = await callTool(s.client, "edit_file", {
      path: "c.txt",
      edits: [{ oldText: "v2", newText: "v3" }],
      ifMatch: `"${current}"`,
    });
    expect(ok.isError).toBeFalsy();
    expect(await s.read("c.txt")).toBe("v3");
  });

  it("keeps CRLF line endings and refuses an edited file past the write cap", async () => {
    const s = await openSession(key);
    await s.seed({ "w.txt": "a\r\nb\r\n" });
    await callTool(s.client, "edit_file", { path: "w.txt", edits: [{ oldText: "b", newText: "c" }] });
    expect(await s.read("w.txt")).toBe("a\r\nc\r\n");
    await s.seed({ "big.txt": `${"x".repeat(3 * 1024 * 1024)}MARK` });
    const result = await callTool(s.client, "edit_file", {
      path: "big.txt",
      edits: [{ oldText: "MARK", newText: "y".repeat(1024 * 1024 + 10) }],
    });
    expect(errorCodeOf(result)).toBe("too_large");
    expect((await env.FILES.head(`files/${s.tenant}/big.txt`))?.size).toBe(3 * 1024 * 1024 + 4);
  });
});

describe("no lost updates", () => {
  it("parallel edits appending distinct lines: every success is present, every loser was told it conflicted", async () => {
    const s = await openSession(key);
    await s.seed({ "log.txt": "START\nEND\n" });
    const count = 12;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        callTool(s.client, "edit_file", { path: "log.txt", edits: [{ oldText: "END", newText: `line-${i}\nEND` }] }),
      ),
    );
    const final = (await s.read("log.txt"))!;
    let succeeded = 0;
    results.forEach((result, i) => {
      if (result.isError) {
        expect(errorCodeOf(result)).toBe("conflict");
        expect(final).not.toContain(`line-${i}\n`);
      } else {
        succeeded++;
        expect(final).toContain(`line-${i}\n`);
      }
    });
    expect(succeeded).toBeGreaterThan(0);
    expect(final.split("\n").filter((line) => line.startsWith("line-"))).toHaveLength(succeeded);
    expect(final.startsWith("START\n") && final.endsWith("END\n")).toBe(true);
  });

  it("with ifMatch, parallel edits from one read: exactly one wins, the rest conflict without retrying", async () => {
    const s = await openSession(key);
    await s.seed({ "one.txt": "END\n" });
    const etag = (await env.FILES.head(`files/${s.tenant}/one.txt`))!.etag;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        callTool(s.client, "edit_file", {
          path: "one.txt",
          ifMatch: etag,
          edits: [{ oldText: "END", newText: `line-${i}\nEND` }],
        }),
      ),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.filter((r) => errorCodeOf(r) === "conflict")).toHaveLength(5);
    expect((await s.read("one.txt"))!.match(/line-/g)).toHaveLength(1);
  });

  it("parallel create-only writes: exactly one wins", async () => {
    const s = await openSession(key);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callTool(s.client, "write_file", { path: "claim.txt", content: `writer-${i}`, ifNoneMatch: "*" }),
      ),
    );
    const winners = results.map((r, i) => (r.isError ? -1 : i)).filter((i) => i >= 0);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => errorCodeOf(r) === "already_exists")).toHaveLength(7);
    expect(await s.read("claim.txt")).toBe(`writer-${winners[0]}`);
  });
});

describe("edit_file: bounded work", () => {
  const indent = (i: number) => i.toString(2).padStart(15, "0").replaceAll("0", " ").replaceAll("1", "\t");
  const lines = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join("\n");

  it("refuses the hostile case (a 30,000-line tolerant oldText, 150,000-line newText) as too_large", async () => {
    const s = await openSession(key);
    await s.seed({ "big.txt": lines(30_000, (i) => `line ${i}`) });
    const result = await callTool(s.client, "edit_file", {
      path: "big.txt",
      dryRun: true,
      edits: [{ oldText: lines(30_000, (i) => `${indent(i)}line ${i}`), newText: lines(150_000, (i) => `  new ${i}`) }],
    });
    expect(errorCodeOf(result)).toBe("too_large");
    expect(textOf(result)).toContain(`at most ${MAX_EDIT_OLD_LINES} are allowed`);
    expect(textOf(result)).toContain("Split the change into several edit_file calls");
  });

  it("at the caps (a tolerant oldText of MAX_EDIT_OLD_LINES distinct indentations, MAX_EDIT_NEW_LINES new lines) answers with a summarised diff", async () => {
    const s = await openSession(key);
    const file = `head\n${lines(MAX_EDIT_OLD_LINES, (i) => `line ${i}`)}\ntail\n`;
    await s.seed({ "big.txt": file });
    const result = await callTool(s.client, "edit_file", {
      path: "big.txt",
      dryRun: true,
      edits: [
        {
          oldText: lines(MAX_EDIT_OLD_LINES, (i) => `${indent(i)}line ${i}`),
          newText: lines(MAX_EDIT_NEW_LINES, (i) => `  new ${i}`),
        },
      ],
    });
    expect(result.isError).toBeFalsy();
    const { diff } = result.structuredContent as EditResult;
    expect(diff).toContain(
      `Changed: lines 2–${MAX_EDIT_OLD_LINES + 1} of ${MAX_EDIT_OLD_LINES + 2} before, ` +
        `lines 2–${MAX_EDIT_NEW_LINES + 1} of ${MAX_EDIT_NEW_LINES + 2} after.`,
    );
    expect(await s.read("big.txt")).toBe(file);
  });
});
