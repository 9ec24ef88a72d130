/**
 * Turns a scenario step into a concrete call against the bucket as it is at that step: the step's small
 * numbers pick paths (spelled in the forms callers use), trash ids the caller has seen, seeded lines and
 * whole files to guess, forged cursors; a hand-written step's arguments are used as given.
 */
import { canonicalPath } from "./answer-scan";
import { type BucketState, existingPaths, objectText, parseTrashKey } from "./bucket-state";
import { DIRECTORY_NAMES, type Step, type StepKind } from "./scenario";

const FRESH_NAMES = ["n1", "moved", "pay", "hr", "open", "x.txt", ".env"];

/** Forged search_file_contents cursors in random sequences (a closed bypass: see regressions.ts). */
export const FORGED_SEARCH_CURSORS = true;

export interface Call {
  readonly method: "tools/call" | "resources/list" | "resources/read";
  readonly name: string;
  readonly params: Record<string, unknown>;
  /** Path-valued arguments, as the caller wrote them. */
  readonly named: readonly string[];
}

export function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

/** The forms a caller may write one path in: `a/b`, `/a/b`, `a/b/` (a directory), `./a/b`, NFD, `a//b`. */
function spelled(path: string, n: number, directory: boolean): string {
  if (path === "") return n % 2 === 0 ? "/" : "";
  switch (n % 6) {
    case 1:
      return `/${path}`;
    case 2:
      return directory ? `${path}/` : path;
    case 3:
      return `./${path}`;
    case 4:
      // Decomposed, as typed on macOS (pé → pe + U+0301): the sandbox stores and judges NFC.
      return path.normalize("NFD");
    case 5:
      return path.replace("/", "//");
    default:
      return path;
  }
}

/** search_file_contents' cursor format ("c1." + base64url of {f, o, l}), written the way a client could. */
function forgeSearchCursor(relative: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ f: relative, o: 0, l: 1 }));
  const base64 = btoa(String.fromCharCode(...bytes));
  return `c1.${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

async function md5(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(text)));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function toResourceUri(path: string): string {
  return `r2-files:///${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** A hand-written step: its arguments as given, `"$trash"` replaced by the first trash entry's id. */
async function explicitCall(
  name: StepKind,
  args: Readonly<Record<string, unknown>>,
  state: BucketState,
  contents: readonly string[],
): Promise<Call> {
  const firstTrashId = [...state.trash.keys()].map((key) => parseTrashKey(key).trashId)[0] ?? "0000000000-zzzz";
  const resolve = async (value: unknown): Promise<unknown> => {
    if (value === "$trash") return firstTrashId;
    if (typeof value !== "string") return value;
    const placeholder = /^\$(content|md5):(\d+)$/.exec(value);
    if (!placeholder) return value;
    const content = contents[Number(placeholder[2])] ?? "";
    return placeholder[1] === "md5" ? md5(content) : content;
  };
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) resolved[key] = await resolve(value);
  const named = Object.entries(resolved).flatMap(([key, value]) => {
    if (key === "path" || key === "source" || key === "destination") return [String(value)];
    if (key === "paths" && Array.isArray(value)) return value.map(String);
    if (key === "uri" && typeof value === "string") return [decodeURIComponent(value.replace(/^r2-files:\/\/\//, ""))];
    return [];
  });
  if (name === "resources/list" || name === "resources/read") return { method: name, name, params: resolved, named };
  return { method: "tools/call", name, params: { name, arguments: resolved }, named };
}

/** What the caller could guess: every seeded line and file (the admin's included), by index. */
export interface Seeded {
  readonly lines: string[];
  readonly contents: string[];
  /** Where each content was first put (scenario files, then the admin's writes). */
  readonly paths: string[];
  /** Files the caller wrote holding a seeded file's whole content → that content's index. */
  readonly guesses: Map<string, number>;
}

/** Turns a step's numbers into a concrete call against the bucket as it is now. */
export async function buildCall(
  step: Step,
  state: BucketState,
  tenant: string,
  seeded: Seeded,
  knownTrashIds: ReadonlySet<string>,
): Promise<Call> {
  if ("args" in step) return explicitCall(step.tool, step.args, state, seeded.contents);
  const { files, directories } = existingPaths(state);
  const all = [...files, ...directories];
  const places = ["", ...directories];
  const trashIds = [...new Set([...state.trash.keys()].map((key) => parseTrashKey(key).trashId))].filter((id) =>
    knownTrashIds.has(id),
  );
  const fresh = (n: number, m: number): string => {
    const parent = pick([...places, ...DIRECTORY_NAMES], n) ?? "";
    const name = pick(FRESH_NAMES, m)!;
    return parent === "" ? name : `${parent}/${name}`;
  };
  const isDirectory = (path: string) => directories.includes(path) || path === "";
  const anyPath = (n: number): string => {
    const path = pick(all, n) ?? "open";
    return spelled(path, step.c, isDirectory(path));
  };
  const aPlace = (n: number): string => {
    const path = pick(places, n) ?? "";
    return spelled(path, step.c, true);
  };
  // Directories the lowered threshold sends to the background (more than 2 objects) first.
  const objectsBelow = (directory: string) =>
    [...state.files.keys()].filter((key) => key.startsWith(`${directory}/`)).length;
  const large = directories.filter((directory) => objectsBelow(directory) > 2);
  const aDirectory = (n: number): string =>
    spelled(pick(n % 3 === 0 ? directories : large.length > 0 ? large : directories, n)!, step.c, true);
  const aFile = (n: number): string => pick(files, n) ?? pick(all, n) ?? "open/a.txt";
  const mine = `mine ${step.a}-${step.b}-${step.c}\n`;
  const tool = (name: string, args: Record<string, unknown>, named: string[]): Call => ({
    method: "tools/call",
    name,
    params: { name, arguments: args },
    named,
  });

  switch (step.tool) {
    case "read_text_file": {
      const path = anyPath(step.a);
      const window = [{}, { head: 1 }, { tail: 1 }, { offset: 1, limit: 1 }][step.b % 4];
      return tool(step.tool, { path, ...window }, [path]);
    }
    case "read_media_file":
    case "get_file_info": {
      const path = anyPath(step.a);
      return tool(step.tool, { path }, [path]);
    }
    case "read_multiple_files": {
      const paths = [anyPath(step.a), anyPath(step.b)];
      return tool(step.tool, { paths }, paths);
    }
    case "write_file": {
      const path = step.flag ? aFile(step.a) : fresh(step.a, step.b);
      // A right guess at a seeded file's whole content (to copy over it later), or the caller's own
      // text; unconditional, create-only, or conditional on a right guess at the etag of what was seeded
      // at that path (an attacker who knows the content exactly, as for a short secret).
      const guessed = !step.flag && step.c % 3 === 0 ? step.b % Math.max(seeded.contents.length, 1) : undefined;
      const content = guessed === undefined ? mine : (seeded.contents[guessed] ?? mine);
      const seededHere = seeded.paths.indexOf(path);
      const etagGuess = seeded.contents[seededHere >= 0 ? seededHere : step.b % Math.max(seeded.contents.length, 1)];
      const ifMatch = { ifMatch: await md5(etagGuess ?? mine) };
      const condition = step.flag ? [{}, ifMatch][step.c % 2] : [{}, { ifNoneMatch: "*" }, ifMatch][step.c % 3];
      if (guessed !== undefined) seeded.guesses.set(canonicalPath(path), guessed);
      return tool(step.tool, { path, content, ...condition }, [path]);
    }
    case "append_file": {
      const path = step.flag ? aFile(step.a) : fresh(step.a, step.b);
      return tool(step.tool, { path, content: mine }, [path]);
    }
    case "edit_file": {
      const path = aFile(step.a);
      // The file's own current lines (the edit applies, and its diff has context), any seeded line
      // (a guess at another file's content), or text found nowhere (an edit_not_found answer).
      const current = state.files.has(path) ? (await objectText(tenant, "files", path)).split("\n") : [];
      const oldText =
        step.c % 3 === 0
          ? (pick(current.filter(Boolean), step.b) ?? "no such text")
          : step.c % 3 === 1
            ? (pick(seeded.lines, step.b) ?? "no such text")
            : "no such text";
      // Sometimes conditional on the right MD5 of the current content (an etag it may not have been shown).
      const ifMatch = step.a % 4 === 1 && current.length > 0 ? { ifMatch: await md5(current.join("\n")) } : {};
      return tool(step.tool, { path, edits: [{ oldText, newText: mine.trimEnd() }], dryRun: step.flag, ...ifMatch }, [
        path,
      ]);
    }
    case "create_directory": {
      const path = fresh(step.a, step.b);
      return tool(step.tool, { path }, [path]);
    }
    case "list_directory":
    case "directory_tree": {
      const path = aPlace(step.a);
      return tool(step.tool, { path }, [path]);
    }
    case "list_directory_with_sizes": {
      const path = aPlace(step.a);
      return tool(step.tool, { path, sortBy: step.flag ? "size" : "name" }, [path]);
    }
    case "search_files": {
      const path = aPlace(step.a);
      const pattern = pick(["**", "**/*.txt", "*", "**/.env"], step.b)!;
      return tool(step.tool, { path, pattern }, [path]);
    }
    case "search_file_contents": {
      const path = aPlace(step.a);
      // A seeded line's canary: what an attacker confirming a guess would search for.
      const pattern = step.b % 3 === 0 ? "line" : (pick(seeded.lines, step.b)?.split(" ")[2] ?? "line");
      // Now and then with a forged resume cursor (the format is plain base64 JSON) that points at a
      // file below the searched directory, as if an earlier page had stopped inside it.
      const base = canonicalPath(path);
      const below = files.filter((file) => base === "" || file.startsWith(`${base}/`));
      const target = FORGED_SEARCH_CURSORS && step.flag && step.c % 2 === 0 ? pick(below, step.b) : undefined;
      const cursor =
        target === undefined ? {} : { cursor: forgeSearchCursor(base === "" ? target : target.slice(base.length + 1)) };
      return tool(step.tool, { path, pattern, contextLines: step.c % 3, ...cursor }, [path]);
    }
    case "move_file":
    case "copy_file": {
      // Directories (ancestors of what rules name) half the time.
      const source = step.flag && directories.length > 0 ? aDirectory(step.a) : anyPath(step.a);
      // Now and then a file holding a right guess at a seeded file, onto that file: a copy that finds an
      // identical file there may count it as done, which would confirm the guess.
      const guess = [...seeded.guesses].filter(([path]) => files.includes(path))[step.b % 7];
      if (step.c % 4 === 3 && guess) {
        const target = seeded.paths[guess[1]]!;
        return tool(step.tool, { source: guess[0], destination: target }, [guess[0], target]);
      }
      const destination = fresh(step.b, step.c);
      return tool(step.tool, { source, destination }, [source, destination]);
    }
    case "delete_file": {
      const path = step.flag && directories.length > 0 ? aDirectory(step.a) : anyPath(step.a);
      return tool(step.tool, { path, recursive: step.flag }, [path]);
    }
    case "list_trash":
      return tool(step.tool, step.flag && trashIds.length > 0 ? { trashId: pick(trashIds, step.a) } : {}, []);
    case "restore_file": {
      const trashId = pick(trashIds, step.a) ?? "0000000000-zzzz";
      const inEntry = [...state.trash.keys()]
        .map(parseTrashKey)
        .filter((entry) => entry.trashId === trashId)
        .map((entry) => entry.path);
      const destination = fresh(step.b, step.c);
      const path = pick(inEntry, step.b);
      switch (step.c % 3) {
        case 1:
          return tool(step.tool, { trashId, destination }, [destination]);
        case 2:
          return path === undefined
            ? tool(step.tool, { trashId }, [])
            : tool(step.tool, { trashId, path, ...(step.flag ? { destination } : {}) }, [
                path,
                ...(step.flag ? [destination] : []),
              ]);
        default:
          return tool(step.tool, { trashId }, []);
      }
    }
    case "empty_trash":
      return tool(step.tool, step.flag && trashIds.length > 0 ? { trashIds: [pick(trashIds, step.a)] } : {}, []);
    case "list_allowed_directories":
      return tool(step.tool, {}, []);
    case "resources/list":
      return { method: "resources/list", name: "resources/list", params: {}, named: [] };
    case "admin:write_file":
    case "admin:delete_file":
      throw new Error(`${step.tool} is run by the admin, not built as a caller's call`);
    case "resources/read": {
      const path = aFile(step.a);
      return { method: "resources/read", name: "resources/read", params: { uri: toResourceUri(path) }, named: [path] };
    }
  }
}
