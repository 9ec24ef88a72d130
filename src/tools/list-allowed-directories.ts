/**
 * `list_allowed_directories`: the reference server lists its configured roots; here every caller has
 * exactly one root, its tenant sandbox, which it sees as `/`.
 */
import * as z from "zod";
import { defineTool, textResult } from "./tool-definition";

export const listAllowedDirectories = defineTool({
  name: "list_allowed_directories",
  title: "List allowed directories",
  description: "List the directories this server lets you access. You have one root, '/', private to your account.",
  scope: "files:read",
  input: z.object({}),
  output: z.object({ directories: z.array(z.string()) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  actions: [],
  access: () => [],
  async run() {
    return textResult("Allowed directories:\n/", { directories: ["/"] });
  },
});
