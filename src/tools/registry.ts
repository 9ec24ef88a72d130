/** Every tool the server offers, in the order `tools/list` shows them. */
import { appendFile } from "./append-file";
import { copyFile } from "./copy-file";
import { createDirectory } from "./create-directory";
import { deleteFile } from "./delete-file";
import { directoryTree } from "./directory-tree";
import { editFile } from "./edit-file";
import { emptyTrash } from "./empty-trash";
import { getFileInfo } from "./get-file-info";
import { getOperation } from "./get-operation";
import { listAllowedDirectories } from "./list-allowed-directories";
import { listDirectory } from "./list-directory";
import { listDirectoryWithSizes } from "./list-directory-with-sizes";
import { listTrash } from "./list-trash";
import { moveFile } from "./move-file";
import { readMediaFile } from "./read-media-file";
import { readMultipleFiles } from "./read-multiple-files";
import { readTextFile } from "./read-text-file";
import { restoreFile } from "./restore-file";
import { searchFileContents } from "./search-file-contents";
import { searchFiles } from "./search-files";
import type { ToolDefinition } from "./tool-definition";
import { writeFile } from "./write-file";

/** The reference filesystem server's tools first, in its order, then ours (delete and trash, copy, append, …). */
export const TOOLS: readonly ToolDefinition[] = [
  readTextFile,
  readMediaFile,
  readMultipleFiles,
  writeFile,
  editFile,
  createDirectory,
  listDirectory,
  listDirectoryWithSizes,
  directoryTree,
  moveFile,
  searchFiles,
  getFileInfo,
  listAllowedDirectories,
  deleteFile,
  listTrash,
  restoreFile,
  emptyTrash,
  copyFile,
  appendFile,
  searchFileContents,
  getOperation,
];

const BY_NAME = new Map(TOOLS.map((tool) => [tool.name, tool]));

export function findTool(name: string): ToolDefinition | undefined {
  return BY_NAME.get(name);
}
