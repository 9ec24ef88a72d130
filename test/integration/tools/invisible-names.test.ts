/**
 * File names a person can trust (docs/tools.md, "Names"), through the SDK client against real R2:
 * bidi controls, zero-width and other invisible characters are refused in every name a call creates or
 * writes (write, overwrite, append, edit, create_directory, move/copy/restore destinations), with the
 * precise path error and nothing written; files that already have such names (stored before the rule)
 * stay readable, movable, deletable and restorable; every listing shows them escaped (`\u{202E}`), and
 * the escaped form works as a path.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestKey, type TestKey } from "../../support/keys";
import { callTool, errorCodeOf, textOf } from "../../support/mcp-client";
import { openSession, type TenantSession } from "../../support/session";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("names");
});

const RLO = "\u202E";
const ZWSP = "\u200B";
const SPOOF = `report${RLO}fdp.exe`; // shown to a person as "reportexe.pdf"
const SPOOF_SHOWN = "report\\u{202E}fdp.exe";
const HIDDEN = `zw${ZWSP}name.txt`; // looks like "zwname.txt"
const HIDDEN_SHOWN = "zw\\u{200B}name.txt";
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060\uFEFF]/u;

type Result = Awaited<ReturnType<typeof callTool>>;

/** Nothing in the answer, text or structured, carries an invisible character. */
function expectNothingInvisible(result: Result): void {
  expect(INVISIBLE.test(JSON.stringify(result))).toBe(false);
}

function expectInvisibleRefusal(result: Result, parameter: string, codePoint: string): void {
  expect(errorCodeOf(result)).toBe("invalid_path");
  const text = textOf(result);
  expect(text).toContain(`'${parameter}'`);
  expect(text).toContain("rule: invisible_character");
  expect(text).toContain(codePoint);
  expectNothingInvisible(result);
}

async function seeded(): Promise<TenantSession> {
  const s = await openSession(key);
  // Stored before the rule existed (straight into R2): the sandbox must not strand them.
  await s.seed({ [`docs/${SPOOF}`]: "not a pdf", [HIDDEN]: "hidden", "docs/plain.txt": "plain" });
  return s;
}

describe("existing names with invisible characters", () => {
  it("are listed escaped by every listing tool, text and structured alike", async () => {
    const s = await seeded();
    const root = await callTool(s.client, "list_directory", { path: "/" });
    expect(textOf(root).split("\n")).toEqual(["[DIR] docs", "[FILE] zwname.txt".replace("zwname", "zw\\u{200B}name")]);
    expect(root.structuredContent).toMatchObject({
      entries: expect.arrayContaining([expect.objectContaining({ name: HIDDEN_SHOWN, path: `/${HIDDEN_SHOWN}` })]),
    });

    const results = [
      root,
      await callTool(s.client, "list_directory", { path: "docs" }),
      await callTool(s.client, "list_directory_with_sizes", { path: "docs" }),
      await callTool(s.client, "directory_tree", { path: "/" }),
      await callTool(s.client, "search_files", { path: "/", pattern: "**/*.exe" }),
      await callTool(s.client, "get_file_info", { path: `docs/${SPOOF}` }),
    ];
    for (const result of results) {
      expect(result.isError).toBeFalsy();
      expectNothingInvisible(result);
    }
    expect(textOf(results[1]!)).toContain(`[FILE] ${SPOOF_SHOWN}`);
    expect(textOf(results[2]!)).toContain(SPOOF_SHOWN);
    expect(JSON.stringify(JSON.parse(textOf(results[3]!)))).toContain(JSON.stringify(SPOOF_SHOWN)); // a JSON tree
    expect(textOf(results[4]!)).toBe(`/docs/${SPOOF_SHOWN}`);
    expect(results[5]!.structuredContent).toMatchObject({ name: SPOOF_SHOWN, path: `/docs/${SPOOF_SHOWN}` });

    const resources = await s.client.listResources();
    const spoof = resources.resources.find((resource) => resource.name === SPOOF_SHOWN);
    expect(spoof?.title).toBe(`/docs/${SPOOF_SHOWN}`);
    expect(INVISIBLE.test(JSON.stringify(resources))).toBe(false);
  });

  it("are readable by their stored name and by the escaped name a listing shows", async () => {
    const s = await seeded();
    for (const path of [`docs/${SPOOF}`, `docs/${SPOOF_SHOWN}`]) {
      const read = await callTool(s.client, "read_text_file", { path });
      expect(textOf(read)).toBe("not a pdf");
    }
    const both = await callTool(s.client, "read_multiple_files", { paths: [HIDDEN, HIDDEN_SHOWN] });
    expect(both.isError).toBeFalsy();
    expectNothingInvisible(both);
    const preview = await callTool(s.client, "edit_file", {
      path: HIDDEN_SHOWN,
      edits: [{ oldText: "hidden", newText: "shown" }],
      dryRun: true,
    });
    expect(preview.isError).toBeFalsy();
    expect(textOf(preview)).toContain("u{200B}name.txt"); // the diff header quotes the backslash, git-style
    expectNothingInvisible(preview);
  });

  it("can be renamed to a trustworthy name (moving away is allowed), copied from, and deleted", async () => {
    const s = await seeded();
    const copied = await callTool(s.client, "copy_file", { source: HIDDEN, destination: "copy.txt" });
    expect(copied.isError).toBeFalsy();
    const moved = await callTool(s.client, "move_file", {
      source: `docs/${SPOOF_SHOWN}`,
      destination: "docs/report.exe",
    });
    expect(moved.isError).toBeFalsy();
    expect(moved.structuredContent).toMatchObject({ source: `/docs/${SPOOF_SHOWN}`, destination: "/docs/report.exe" });
    expectNothingInvisible(moved);
    // (The move keeps its source directory, as every move does: the `docs/` marker.)
    expect(await s.keys("files")).toEqual(["copy.txt", "docs/", "docs/plain.txt", "docs/report.exe", HIDDEN].sort());

    const deleted = await callTool(s.client, "delete_file", { path: HIDDEN });
    expect(deleted.isError).toBeFalsy();
    expect(await s.read(HIDDEN)).toBeNull();
    const trash = await callTool(s.client, "list_trash", {});
    expect(textOf(trash)).toContain(`/${HIDDEN_SHOWN}`);
    expectNothingInvisible(trash);
  });

  it("restore to where they were (nothing stranded), but not to a new invisible name", async () => {
    const s = await seeded();
    const { trashId } = (await callTool(s.client, "delete_file", { path: "docs", recursive: true }))
      .structuredContent as { trashId: string };
    expectInvisibleRefusal(
      await callTool(s.client, "restore_file", { trashId, destination: `restored${ZWSP}` }),
      "destination",
      "U+200B",
    );
    const restored = await callTool(s.client, "restore_file", { trashId });
    expect(restored.isError).toBeFalsy();
    expect(await s.read(`docs/${SPOOF}`)).toBe("not a pdf");
  });
});

describe("new names with invisible characters are refused, nothing written", () => {
  it.each<{ name: string; tool: string; args: Record<string, unknown>; parameter: string; codePoint: string }>([
    {
      name: "write_file",
      tool: "write_file",
      args: { path: SPOOF, content: "x" },
      parameter: "path",
      codePoint: "U+202E",
    },
    {
      name: "write_file with the escaped form",
      tool: "write_file",
      args: { path: SPOOF_SHOWN, content: "x" },
      parameter: "path",
      codePoint: "U+202E",
    },
    {
      name: "write_file under a new directory name",
      tool: "write_file",
      args: { path: `dir\u2066/a.txt`, content: "x" },
      parameter: "path",
      codePoint: "U+2066",
    },
    {
      name: "append_file",
      tool: "append_file",
      args: { path: `log\uFEFF.txt`, content: "x" },
      parameter: "path",
      codePoint: "U+FEFF",
    },
    {
      name: "create_directory",
      tool: "create_directory",
      args: { path: `a\u2060b` },
      parameter: "path",
      codePoint: "U+2060",
    },
    {
      name: "move_file destination",
      tool: "move_file",
      args: { source: "docs/plain.txt", destination: `docs/${SPOOF}` },
      parameter: "destination",
      codePoint: "U+202E",
    },
    {
      name: "copy_file destination",
      tool: "copy_file",
      args: { source: "docs", destination: `docs\u200D2` },
      parameter: "destination",
      codePoint: "U+200D",
    },
  ])("$name", async ({ tool, args, parameter, codePoint }) => {
    const s = await seeded();
    const before = await s.keys("files");
    expectInvisibleRefusal(await callTool(s.client, tool, args), parameter, codePoint);
    expect(await s.keys("files")).toEqual(before);
  });

  it("writing over an existing invisible name is refused too (edit, overwrite, append): rename it first", async () => {
    const s = await seeded();
    for (const [tool, args] of [
      ["write_file", { path: HIDDEN, content: "replaced" }],
      ["append_file", { path: HIDDEN_SHOWN, content: "more" }],
      ["edit_file", { path: HIDDEN, edits: [{ oldText: "hidden", newText: "shown" }] }],
    ] as const) {
      expectInvisibleRefusal(await callTool(s.client, tool, args), "path", "U+200B");
    }
    expect(await s.read(HIDDEN)).toBe("hidden");
  });
});
