/** `create_directory`: creates a directory and, implicitly, its parents; succeeds if it already exists. */
import * as z from "zod";
import { pathField } from "./schemas";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const createDirectory = defineTool({
  name: "create_directory",
  title: "Create directory",
  description:
    "Create a directory, including any missing parent directories. Succeeds quietly if it already exists; " +
    "fails if a file has that name.",
  scope: "files:write",
  input: z.object({ path: pathField }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: ["write"],
  access: ({ path }) => [touch("write", path, "path", { allowRoot: false })],
  async run({ path: raw }, { sandbox }) {
    const path = sandbox.resolve(raw, "path", { allowRoot: false });
    const { created } = await sandbox.createDirectory(path);
    return textResult(
      created ? `Successfully created directory ${path.display}` : `Directory ${path.display} already exists`,
    );
  },
});
