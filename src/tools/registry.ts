/** Every tool the server offers, in the order `tools/list` shows them. */
import { createDirectory } from "./create-directory";
import { deleteFile } from "./delete-file";
import { getFileInfo } from "./get-file-info";
import { listAllowedDirectories } from "./list-allowed-directories";
import { listDirectory } from "./list-directory";
import { readTextFile } from "./read-text-file";
import type { ToolDefinition } from "./tool-definition";
import { writeFile } from "./write-file";

export const TOOLS: readonly ToolDefinition[] = [
  readTextFile,
  writeFile,
  listDirectory,
  createDirectory,
  getFileInfo,
  listAllowedDirectories,
  deleteFile,
];

const BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

export function findTool(name: string): ToolDefinition | undefined {
  return BY_NAME.get(name);
}
