/**
 * Which File Hosting activity (OCSF 6006) each tool is, and which of its arguments name paths. A tool
 * missing here is still audited, as activity `Other` named after the tool, so a new tool cannot escape
 * the trail; adding it here only makes its event more precise.
 */
import { parseSandboxPath } from "../sandbox/sandbox-path";
import type { FileActivity } from "./audit-facts";

interface ToolActivity {
  readonly activity: FileActivity;
  readonly name?: string;
}

// A Map, not an object literal: a tool name is the caller's text, and `constructor` or `__proto__` must
// not find Object.prototype's members (they used to, and the request's audit events were lost).
const TOOL_ACTIVITIES: ReadonlyMap<string, ToolActivity> = new Map(
  Object.entries({
    read_text_file: { activity: "download" },
    read_media_file: { activity: "download" },
    read_multiple_files: { activity: "download" },
    write_file: { activity: "upload" },
    append_file: { activity: "update" },
    edit_file: { activity: "update" },
    create_directory: { activity: "other", name: "Create Directory" },
    list_directory: { activity: "other", name: "List" },
    list_directory_with_sizes: { activity: "other", name: "List" },
    directory_tree: { activity: "other", name: "List" },
    search_files: { activity: "other", name: "Search" },
    search_file_contents: { activity: "other", name: "Search" },
    get_file_info: { activity: "preview" },
    list_allowed_directories: { activity: "other", name: "List" },
    move_file: { activity: "move" },
    copy_file: { activity: "copy" },
    delete_file: { activity: "delete" },
    list_trash: { activity: "other", name: "List Trash" },
    restore_file: { activity: "restore" },
    empty_trash: { activity: "delete", name: "Purge" },
    get_operation: { activity: "other", name: "Operation Status" },
    // Resource requests (src/mcp/resources.ts) are audited through the same File Hosting events.
    "resources/read": { activity: "download" },
    "resources/list": { activity: "other", name: "List" },
    "resources/templates/list": { activity: "other", name: "List" },
  } satisfies Record<string, ToolActivity>),
);

export function activityOfTool(tool: string): ToolActivity {
  return TOOL_ACTIVITIES.get(tool) ?? { activity: "other", name: tool.slice(0, 64) };
}

// Target first, then the result (move/copy/restore destination), then any list.
const PATH_ARGUMENTS = ["path", "source", "destination", "paths"] as const;
const MAX_PATHS = 20;
const MAX_RAW_PATH = 512;

/** `/a/b` for a path the sandbox accepts; the raw text (capped) for one it refuses, as evidence. */
function canonical(raw: string): string {
  try {
    return `/${parseSandboxPath(raw, "path", { allowRoot: true }).relative}`;
  } catch {
    return raw.slice(0, MAX_RAW_PATH);
  }
}

/** The paths a call names, from its arguments (parsed or not: refused calls are evidence too). */
export function pathsOf(args: unknown): string[] {
  if (args === null || typeof args !== "object") return [];
  const record = args as Record<string, unknown>;
  const paths: string[] = [];
  for (const name of PATH_ARGUMENTS) {
    const value = Object.hasOwn(record, name) ? record[name] : undefined;
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) if (typeof item === "string" && paths.length < MAX_PATHS) paths.push(canonical(item));
  }
  return paths;
}
