/**
 * What an answer shows the caller, for the model's checks: every text it carries (the raw JSON-RPC body,
 * plus base64 blobs and image data decoded, since a canary inside base64 is still the canary) and every
 * path it names in structured form (entries, matches, trash items, operation records, tree nodes,
 * resource URIs).
 */

const PATH_KEYS = new Set(["path", "source", "destination", "deletedPath"]);
const RESOURCE_SCHEME = "r2-files:///";

/** A path as the caller or the server wrote it → the canonical tenant-relative form ("" = root). */
export function canonicalPath(raw: string): string {
  return raw
    .normalize("NFC")
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/");
}

function decodeBase64Text(value: string): string | undefined {
  try {
    const binary = atob(value);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

function resourcePath(uri: string): string | undefined {
  if (!uri.startsWith(RESOURCE_SCHEME)) return undefined;
  try {
    return canonicalPath(uri.slice(RESOURCE_SCHEME.length).split("/").map(decodeURIComponent).join("/"));
  } catch {
    return undefined;
  }
}

interface TreeNode {
  name?: unknown;
  children?: unknown;
}

function treePaths(base: string, nodes: unknown, out: Set<string>): void {
  if (!Array.isArray(nodes)) return;
  for (const node of nodes as TreeNode[]) {
    if (typeof node?.name !== "string") continue;
    const path = base === "" ? node.name : `${base}/${node.name}`;
    out.add(canonicalPath(path));
    treePaths(path, node.children, out);
  }
}

export interface ScannedAnswer {
  /** Every text the caller can read in it. */
  readonly texts: readonly string[];
  /** Every path it names in structured form, canonical. */
  readonly paths: ReadonlySet<string>;
}

export function scanAnswer(body: string): ScannedAnswer {
  const texts = [body];
  const paths = new Set<string>();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { texts, paths };
  }
  const visit = (value: unknown, key: string | undefined, parent: Record<string, unknown> | undefined): void => {
    if (typeof value === "string") {
      if ((key === "blob" || key === "data") && value.length > 0) {
        const decoded = decodeBase64Text(value);
        if (decoded !== undefined) texts.push(decoded);
      }
      if (key !== undefined && PATH_KEYS.has(key)) paths.add(canonicalPath(value));
      if (key === "uri") {
        const path = resourcePath(value);
        if (path !== undefined) paths.add(path);
      }
      // A text block may itself be JSON (directory_tree's text is the tree): scan its structure too.
      if (key === "text" && (value.startsWith("[") || value.startsWith("{"))) {
        try {
          visit(JSON.parse(value), undefined, undefined);
        } catch {
          // Not JSON after all: the text itself is already in `texts`.
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      if (key === "tree" && parent && typeof parent.path === "string")
        treePaths(canonicalPath(parent.path), value, paths);
      for (const item of value) visit(item, undefined, undefined);
      return;
    }
    if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const [childKey, child] of Object.entries(record)) visit(child, childKey, record);
    }
  };
  visit(json, undefined, undefined);
  return { texts, paths };
}

const PATH_CHAR = "[\\p{L}\\p{N}_.\\-/~]";

/** Whether `text` mentions `/path` as a whole path (not as part of a longer one). */
export function mentionsPath(text: string, path: string): boolean {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?<!${PATH_CHAR})/${escaped}(?!${PATH_CHAR})`, "u").test(text.normalize("NFC"));
}

/** What an edit_file answer tells about the file's content, if anything: a diff, or a match verdict. */
export function editOracle(body: string): string | undefined {
  try {
    const result = (JSON.parse(body) as { result?: { isError?: boolean; content?: { text?: string }[] } }).result;
    if (!result) return undefined;
    if (!result.isError) return "a diff";
    const code = /^\[([a-z_]+)\]/.exec(result.content?.[0]?.text ?? "")?.[1];
    return code === "edit_not_found" || code === "edit_ambiguous" ? code : undefined;
  } catch {
    return undefined;
  }
}

export function succeeded(body: string): boolean {
  try {
    const result = (JSON.parse(body) as { result?: { isError?: boolean } }).result;
    return result !== undefined && !result.isError;
  } catch {
    return false;
  }
}

/** `resumed` of a copy or move: objects found already there, identical, and counted as done. */
export function resumedCount(answers: readonly { readonly body: string }[]): number {
  let resumed = 0;
  for (const { body } of answers) {
    try {
      const structured = (JSON.parse(body) as { result?: { structuredContent?: Record<string, unknown> } }).result
        ?.structuredContent;
      const direct = structured?.resumed;
      const progress = (structured?.progress as { resumed?: unknown } | undefined)?.resumed;
      resumed = Math.max(resumed, typeof direct === "number" ? direct : 0, typeof progress === "number" ? progress : 0);
    } catch {
      // Not JSON: nothing counted.
    }
  }
  return resumed;
}

export function searchMatches(body: string): number {
  try {
    const structured = (JSON.parse(body) as { result?: { structuredContent?: { matches?: unknown[] } } }).result
      ?.structuredContent;
    return structured?.matches?.length ?? 0;
  } catch {
    return 0;
  }
}
