/**
 * The contract clients see in tools/list: every reference tool plus ours, the annotations docs/tools.md
 * promises, and an outputSchema on every tool that returns lists, trees or file info.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createTestKey, type TestKey } from "../../support/keys";
import { connectClient } from "../../support/mcp-client";
import { mintToken } from "../../support/tokens";
import { makeEnv } from "../../support/worker";

let key: TestKey;

beforeAll(async () => {
  key = await createTestKey("listing");
});

// name → [scope, readOnly, destructive, idempotent, has outputSchema]
const EXPECTED: Record<string, [string, boolean, boolean, boolean, boolean]> = {
  read_text_file: ["files:read", true, false, true, false],
  read_media_file: ["files:read", true, false, true, false],
  read_multiple_files: ["files:read", true, false, true, true],
  write_file: ["files:write", false, true, true, true],
  edit_file: ["files:write", false, true, false, true],
  create_directory: ["files:write", false, false, true, false],
  list_directory: ["files:read", true, false, true, true],
  list_directory_with_sizes: ["files:read", true, false, true, true],
  directory_tree: ["files:read", true, false, true, true],
  move_file: ["files:write", false, true, false, true],
  search_files: ["files:read", true, false, true, true],
  get_file_info: ["files:read", true, false, true, true],
  list_allowed_directories: ["files:read", true, false, true, true],
  delete_file: ["files:delete", false, true, false, true],
  list_trash: ["files:read", true, false, true, true],
  restore_file: ["files:write", false, false, false, true],
  empty_trash: ["files:delete", false, true, true, true],
  copy_file: ["files:write", false, false, false, true],
  append_file: ["files:write", false, false, false, true],
  search_file_contents: ["files:read", true, false, true, true],
  get_operation: ["files:read", true, false, true, true],
};

describe("tools/list", () => {
  it("lists every tool with its scope, accurate annotations and output schemas", async () => {
    const client = await connectClient(makeEnv(key), await mintToken({ key }));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const tool of tools) {
      const [scope, readOnlyHint, destructiveHint, idempotentHint, hasOutput] = EXPECTED[tool.name]!;
      expect(tool.description, tool.name).toContain(`Requires scope ${scope}.`);
      expect(tool.annotations, tool.name).toMatchObject({
        readOnlyHint,
        destructiveHint,
        idempotentHint,
        openWorldHint: false,
      });
      expect(tool.outputSchema !== undefined, tool.name).toBe(hasOutput);
    }
  });
});
