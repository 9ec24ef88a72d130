/**
 * Runs one scenario against the real Worker (Miniflare R2, the Workflow for background operations) and
 * checks the reference model after every answer. The caller speaks raw JSON-RPC over the Worker's fetch
 * handler, so every byte of every answer is scanned; the admin (the same tenant, a deployment without
 * ACCESS_POLICY) only seeds the trash before the caller starts.
 *
 * Invariants (docs/policy.md, DESIGN.md invariant 9), per answer to the caller:
 * - content: no canary line of a file seeded at a path the caller may not `read` (the admin's trash
 *   included: judged at the original path) — wherever moves, copies and restores took it since — other
 *   than one the caller's own request carried (an echo of its guess, e.g. in edit_not_found);
 * - oracle: a guess is never confirmed: an edit of a file the caller may not `read` (or that holds such
 *   content) gets neither a diff nor edit_not_found / edit_ambiguous, and a content search for a secret
 *   line's canary finds nothing;
 * - etag: no etag of a stored object whose bytes contain such a canary;
 * - name: no path the caller may not `list`, unless the caller named it (or a path below it) itself;
 * - change: no key under files/<tenant>/ added where `write` (restore_file: and `restore`) is blocked,
 *   changed where `overwrite` is, removed where `delete` (move_file: and `move`) is; no trash removed by
 *   empty_trash whose original path blocks `purge`.
 */
import { env as bucketEnv } from "cloudflare:workers";
import type { Env } from "../../../src/env";
import type { TestKey } from "../../support/keys";
import { mintToken } from "../../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv } from "../../support/worker";
import { canonicalPath, mentionsPath, scanAnswer } from "./answer-scan";
import {
  type BucketState,
  changesBetween,
  existingPaths,
  objectText,
  parseTrashKey,
  pathOfFileKey,
  snapshot,
} from "./bucket-state";
import { type Action, createPolicyOracle, type PolicyOracle } from "./policy-oracle";
import {
  type CallerCertificate,
  DIRECTORY_NAMES,
  policyDocument,
  type Scenario,
  type Step,
  type StepKind,
} from "./scenario";

export type Invariant = "content" | "etag" | "name" | "change" | "oracle";

export interface Violation {
  readonly invariant: Invariant;
  /** Effect of the rule that should have stopped it (`require-certificate+cert`: a certificate was shown). */
  readonly effect: string;
  /** 1-based step of the caller's sequence. */
  readonly step: number;
  readonly call: string;
  readonly detail: string;
}

export interface RunResult {
  readonly violations: Violation[];
  readonly calls: number;
  /** The caller's steps that succeeded, and those that went on in the background (Workflows). */
  readonly succeeded: number;
  readonly background: number;
}

const CONFIRMATION_SECRET = "policy-model-confirmation-secret-0123456789";
const FRESH_NAMES = ["n1", "moved", "pay", "hr", "open", "x.txt", ".env"];
/** `request.cf` as Cloudflare's edge would report each kind of caller certificate. */
const CERTIFICATES: Record<CallerCertificate, unknown> = {
  none: undefined,
  unaccepted: { tlsClientAuth: { certVerified: "SUCCESS" } },
  accepted: {
    tlsClientAuth: {
      certPresented: "1",
      certVerified: "SUCCESS",
      certRevoked: "0",
      certFingerprintSHA256: "ab".repeat(32),
    },
  },
};

let runCount = 0;

interface Call {
  readonly method: "tools/call" | "resources/list" | "resources/read";
  readonly name: string;
  readonly params: Record<string, unknown>;
  /** Path-valued arguments, as the caller wrote them. */
  readonly named: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

function pick<T>(list: readonly T[], n: number): T | undefined {
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

export interface RunOptions {
  readonly key: TestKey;
  /** Stop at the first violating answer (what a property needs); otherwise collect them all. */
  readonly stopAtFirst: boolean;
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<RunResult> {
  const run = runCount++;
  const tenant = `pm${run.toString(36)}x${Date.now().toString(36)}`;
  const tag = `kz${run.toString(36)}`;
  const oracle = createPolicyOracle(scenario.rules, scenario.callerRoles, {
    certificateAccepted: scenario.callerCertificate === "accepted",
    freshLogin: scenario.freshLogin,
  });
  const hasConfirm = scenario.rules.some((rule) => rule.effect === "confirm");
  const callerEnv = makeEnv(options.key, {
    ACCESS_POLICY: JSON.stringify(policyDocument(scenario)),
    ...(hasConfirm ? { CONFIRMATION_SECRET } : {}),
  });
  const adminEnv = makeEnv(options.key);
  const now = Math.floor(Date.now() / 1000);
  const callerToken = await mintToken({
    key: options.key,
    claims: { sub: tenant, roles: [...scenario.callerRoles], auth_time: now - (scenario.freshLogin ? 10 : 3600) },
  });
  const adminToken = await mintToken({ key: options.key, claims: { sub: tenant } });

  // Seed: every file gets its own canary per line; a file the caller may not read makes them secret.
  const lines: string[] = [];
  const seededContents: string[] = [];
  const seeded: Seeded = { lines, contents: seededContents, paths: [...scenario.files], guesses: new Map() };
  const secrets = new Map<string, { origin: string; rule: string }>(); // canary → seeded path, blocking rule
  await Promise.all(
    scenario.files.map((path, index) => {
      const fileLines = [0, 1, 2].map((line) => `line ${line} ${tag}f${index}l${line}z`);
      lines.push(...fileLines);
      seededContents[index] = `${fileLines.join("\n")}\n`;
      const blocking = oracle.blocked("read", path);
      if (blocking) {
        for (let line = 0; line < fileLines.length; line++)
          secrets.set(`${tag}f${index}l${line}z`, { origin: path, rule: blocking.rule });
      }
      return bucketEnv.FILES.put(`files/${tenant}/${path}`, seededContents[index]!);
    }),
  );
  await Promise.all(
    scenario.emptyDirectories.map((path) => bucketEnv.FILES.put(`files/${tenant}/${path}/`, new Uint8Array(0))),
  );

  let calls = 0;
  let succeededSteps = 0;
  let background = 0;
  const send = async (
    env: Env,
    token: string,
    method: string,
    params: Record<string, unknown>,
    cf?: unknown,
  ): Promise<Answer> => {
    calls++;
    const request = new Request("https://files.example.test/mcp", {
      method: "POST",
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: calls, method, params }),
      ...(cf ? { cf } : {}),
    } as RequestInit);
    const response = await callWorker(env, request);
    return { status: response.status, body: await response.text() };
  };

  /** Follows a background operation to its end; every get_operation answer is shown to the caller. */
  const settle = async (env: Env, token: string, answer: Answer, cf?: unknown): Promise<Answer[]> => {
    const seen: Answer[] = [];
    let operationId: string | undefined;
    try {
      const structured = (JSON.parse(answer.body) as { result?: { structuredContent?: Record<string, unknown> } })
        .result?.structuredContent;
      if (structured?.status === "running" && typeof structured.operationId === "string")
        operationId = structured.operationId;
    } catch {
      return seen;
    }
    for (let poll = 0; operationId && poll < 400; poll++) {
      const progress = await send(env, token, "tools/call", { name: "get_operation", arguments: { operationId } }, cf);
      seen.push(progress);
      if (!progress.body.includes('"status":"running"')) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return seen;
  };

  // The admin deletes some of it first (recursively), so the trash holds entries the caller never made.
  const topLevel = [...new Set(scenario.files.map((path) => path.split("/")[0]!))];
  const deletable = [...topLevel, ...scenario.files];
  for (const index of scenario.adminDeletes) {
    const path = pick(deletable, index)!;
    const answer = await send(adminEnv, adminToken, "tools/call", {
      name: "delete_file",
      arguments: { path, recursive: true },
    });
    await settle(adminEnv, adminToken, answer);
  }

  const violations: Violation[] = [];
  // Trash ids are unguessable: the caller uses only those some answer showed it (its own deletes, or
  // a list_trash that should not have shown them).
  const knownTrashIds = new Set<string>();
  // Canaries the caller's own requests carried (guesses, or content it wrote): showing them back is no leak.
  const everGuessed = new Set<string>();
  const mentioned = new Set<string>();
  const observed = new Set<string>();
  const forbiddenEtags = new Map<string, { where: string; rule: string; canaries: string[] }>();
  const etagChecked = new Set<string>();
  let state = await snapshot(tenant);

  const observe = async (current: BucketState): Promise<void> => {
    const { files, directories } = existingPaths(current);
    for (const path of [...files, ...directories]) observed.add(path);
    for (const key of current.trash.keys()) observed.add(parseTrashKey(key).path);
    const unseen: { area: "files" | "trash"; key: string; etag: string }[] = [];
    for (const area of ["files", "trash"] as const)
      for (const [key, etag] of current[area]) if (!etagChecked.has(etag)) unseen.push({ area, key, etag });
    await Promise.all(
      unseen.map(async ({ area, key, etag }) => {
        etagChecked.add(etag);
        const text = await objectText(tenant, area, key);
        const held = [...secrets.keys()].filter((canary) => text.includes(canary));
        const first = held[0];
        if (first !== undefined) {
          const { origin, rule } = secrets.get(first)!;
          forbiddenEtags.set(etag, { where: `${area}/${key} holds ${first} of /${origin}`, rule, canaries: held });
        }
      }),
    );
  };
  await observe(state);

  const mention = (raw: string): void => {
    const path = canonicalPath(raw);
    const segments = path.split("/");
    for (let i = 1; i <= segments.length; i++) mentioned.add(segments.slice(0, i).join("/"));
  };
  const listSecret = (path: string): string | undefined => {
    if (path === "" || mentioned.has(path)) return undefined;
    return oracle.blocked("list", path)?.rule;
  };

  for (let index = 0; index < scenario.steps.length; index++) {
    const step = scenario.steps[index]!;
    if (step.tool === "admin:write_file" || step.tool === "admin:delete_file") {
      const call = await buildCall(
        { ...step, tool: step.tool === "admin:write_file" ? "write_file" : "delete_file" },
        state,
        tenant,
        seeded,
        knownTrashIds,
      );
      const args = call.params.arguments as Record<string, unknown>;
      if (step.tool === "admin:write_file") {
        // Fresh canaries, secret when the caller may not read where the admin put them.
        const path = canonicalPath(String(args.path));
        const fileLines = [0, 1].map((line) => `line ${line} ${tag}a${index}l${line}z`);
        const blocking = oracle.blocked("read", path);
        if (blocking) {
          for (let line = 0; line < fileLines.length; line++)
            secrets.set(`${tag}a${index}l${line}z`, { origin: path, rule: blocking.rule });
        }
        lines.push(...fileLines);
        seededContents.push(`${fileLines.join("\n")}\n`);
        seeded.paths.push(path);
        args.content = seededContents.at(-1);
        delete args.ifMatch;
        delete args.ifNoneMatch;
      } else {
        args.recursive = true;
      }
      const done = await send(adminEnv, adminToken, "tools/call", call.params);
      await settle(adminEnv, adminToken, done);
      state = await snapshot(tenant);
      await observe(state);
      continue;
    }
    const call = await buildCall(step, state, tenant, seeded, knownTrashIds);
    for (const raw of call.named) mention(raw);
    const cf = CERTIFICATES[scenario.callerCertificate];
    const answer = await send(callerEnv, callerToken, call.method, call.params, cf);
    const answers = [answer, ...(await settle(callerEnv, callerToken, answer, cf))];
    if (answers.length > 1) background++;
    if (succeeded(answer.body)) succeededSteps++;
    const after = await snapshot(tenant);
    await observe(after);
    for (const key of [...state.trash.keys(), ...after.trash.keys()]) {
      const { trashId } = parseTrashKey(key);
      if (answers.some(({ body }) => body.includes(trashId))) knownTrashIds.add(trashId);
    }

    const label = `${call.name} ${JSON.stringify(call.method === "tools/call" ? call.params.arguments : call.params)}`;
    const report = (invariant: Invariant, detail: string, rule: string | undefined): void => {
      const found = scenario.rules.find((candidate) => candidate.id === rule);
      const effect = found?.effect ?? "?";
      const nfd = found?.paths?.some((glob) => glob !== glob.normalize("NFC")) ? "+nfd-glob" : "";
      const cert = effect === "require-certificate" ? `+${scenario.callerCertificate}-certificate` : "";
      const shown = `${effect}${cert}${nfd}`;
      violations.push({ invariant, effect: shown, step: index + 1, call: label, detail });
    };
    const sent = JSON.stringify(call.params);
    const guessed = [...secrets.keys()].filter((canary) => sent.includes(canary));
    for (const canary of guessed) everGuessed.add(canary);
    const conditional = (call.params.arguments as { ifMatch?: unknown } | undefined)?.ifMatch;
    if (typeof conditional === "string" && forbiddenEtags.has(conditional) && succeeded(answer.body)) {
      const { where, rule } = forbiddenEtags.get(conditional)!;
      report("oracle", `ifMatch with the etag of ${where} succeeded (read blocked by ${rule})`, rule);
    }
    if ((call.name === "copy_file" || call.name === "move_file") && resumedCount(answers) > 0) {
      const destination = canonicalPath(String((call.params.arguments as { destination: string }).destination));
      const replaced = [...state.files].find(
        ([key, etag]) =>
          (pathOfFileKey(key) === destination || key.startsWith(`${destination}/`)) && forbiddenEtags.has(etag),
      );
      if (replaced) {
        const { where, rule } = forbiddenEtags.get(replaced[1])!;
        report("oracle", `counted an identical copy as resumed over ${where} (read blocked by ${rule})`, rule);
      }
    }
    if (call.name === "edit_file") {
      const verdict = editOracle(answer.body);
      const target = canonicalPath(String((call.params.arguments as { path: string }).path));
      const blocking = oracle.blocked("read", target);
      const holdsSecret = forbiddenEtags.has(state.files.get(target) ?? "");
      if (verdict && (blocking || holdsSecret))
        report(
          "oracle",
          `${verdict} for /${target} (${blocking ? `read blocked by ${blocking.rule}` : "holds secret content"})`,
          blocking?.rule ?? forbiddenEtags.get(state.files.get(target) ?? "")?.rule,
        );
    }
    if (call.name === "search_file_contents" && guessed.length > 0 && searchMatches(answer.body) > 0) {
      const secret = secrets.get(guessed[0]!)!;
      report("oracle", `a search for ${guessed[0]} (a line of /${secret.origin}) found matches`, secret.rule);
    }
    for (const { body } of answers) {
      const scanned = scanAnswer(body);
      for (const text of scanned.texts) {
        for (const [canary, { origin, rule }] of secrets) {
          if (text.includes(canary) && !everGuessed.has(canary))
            report("content", `shows ${canary}, a line of /${origin} (read blocked by ${rule})`, rule);
        }
        for (const [etag, { where, rule, canaries }] of forbiddenEtags) {
          // The etag of bytes the caller itself sent (a whole guessed file) tells it nothing new.
          if (text.includes(etag) && !canaries.every((canary) => everGuessed.has(canary)))
            report("etag", `shows etag ${etag}: ${where} (read blocked by ${rule})`, rule);
        }
      }
      for (const path of scanned.paths) {
        const rule = listSecret(path);
        if (rule) report("name", `names /${path} (list blocked by ${rule})`, rule);
      }
      for (const path of observed) {
        const rule = listSecret(path);
        if (rule && !scanned.paths.has(path) && scanned.texts.some((text) => mentionsPath(text, path)))
          report("name", `mentions /${path} in text (list blocked by ${rule})`, rule);
      }
    }
    const directoriesBefore = new Set(existingPaths(state).directories);
    const directoriesAfter = new Set(existingPaths(after).directories);
    for (const change of changesBetween(state, after)) {
      // A directory marker written to keep an existing directory (its last file went), or dropped
      // while the directory stays, changes nothing anyone can see.
      const marker = change.area === "files" && change.key.endsWith("/") ? pathOfFileKey(change.key) : undefined;
      if (marker !== undefined && directoriesBefore.has(marker) && directoriesAfter.has(marker)) continue;
      const blocked = blockedChange(oracle, call.name, change.kind, change.area, change.key);
      if (blocked) report("change", `${change.kind} ${change.area}/${change.key}: ${blocked.text}`, blocked.rule);
    }
    state = after;
    if (options.stopAtFirst && violations.length > 0) break;
  }
  return { violations: dedupe(violations), calls, succeeded: succeededSteps, background };
}

/** What an edit_file answer tells about the file's content, if anything: a diff, or a match verdict. */
function editOracle(body: string): string | undefined {
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

function succeeded(body: string): boolean {
  try {
    const result = (JSON.parse(body) as { result?: { isError?: boolean } }).result;
    return result !== undefined && !result.isError;
  } catch {
    return false;
  }
}

/** `resumed` of a copy or move: objects found already there, identical, and counted as done. */
function resumedCount(answers: readonly Answer[]): number {
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

function searchMatches(body: string): number {
  try {
    const structured = (JSON.parse(body) as { result?: { structuredContent?: { matches?: unknown[] } } }).result
      ?.structuredContent;
    return structured?.matches?.length ?? 0;
  } catch {
    return 0;
  }
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = `${violation.step}|${violation.invariant}|${violation.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Which blocked action a change in the bucket needed, if any. */
function blockedChange(
  oracle: PolicyOracle,
  tool: string,
  kind: "added" | "changed" | "removed",
  area: "files" | "trash",
  key: string,
): { text: string; rule: string } | undefined {
  const needs = (path: string, actions: readonly Action[]) => {
    for (const action of actions) {
      const blocking = oracle.blocked(action, path);
      if (blocking) return { text: `${action} on /${path} is blocked by ${blocking.rule}`, rule: blocking.rule };
    }
    return undefined;
  };
  if (area === "trash") {
    // Deletes add trash (judged on files/ by `delete`); restores take it back (judged by `write`).
    if (kind === "removed" && tool === "empty_trash") return needs(parseTrashKey(key).path, ["purge"]);
    return undefined;
  }
  const path = pathOfFileKey(key);
  if (kind === "added") return needs(path, tool === "restore_file" ? ["write", "restore"] : ["write"]);
  if (kind === "changed") return needs(path, ["overwrite"]);
  return needs(path, tool === "move_file" ? ["delete", "move"] : ["delete"]);
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
interface Seeded {
  readonly lines: string[];
  readonly contents: string[];
  /** Where each content was first put (scenario files, then the admin's writes). */
  readonly paths: string[];
  /** Files the caller wrote holding a seeded file's whole content → that content's index. */
  readonly guesses: Map<string, number>;
}

/** Turns a step's numbers into a concrete call against the bucket as it is now. */
async function buildCall(
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
      return tool(step.tool, { path, edits: [{ oldText, newText: mine.trimEnd() }], dryRun: step.flag }, [path]);
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
      const target = step.flag && step.c % 2 === 0 ? pick(below, step.b) : undefined;
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
