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
 * - redaction (issue 21): every other seeded file also holds an AWS secret, which every caller sees
 *   redacted (the default `defaultRedact: ["secret"]`): no answer shows the secret (unless the caller
 *   sent it itself) nor the MD5 etag of any object holding it, and no `ifMatch` with such an MD5
 *   succeeds, whether the file is readable or not (docs/sensitive-data.md, "Etags");
 * - change: no key under files/<tenant>/ added where `write` (restore_file: and `restore`) is blocked,
 *   changed where `overwrite` is, removed where `delete` (move_file: and `move`) is; no trash removed by
 *   empty_trash whose original path blocks `purge`.
 */
import { env as bucketEnv } from "cloudflare:workers";
import type { Env } from "../../../src/env";
import { awsSecret } from "../../fixtures/dlp/positives";
import { createRandom } from "../../fixtures/dlp/random";
import type { TestKey } from "../../support/keys";
import { mintToken } from "../../support/tokens";
import { callWorker, MCP_HEADERS, makeEnv } from "../../support/worker";
import {
  canonicalPath,
  editOracle,
  mentionsPath,
  resumedCount,
  scanAnswer,
  searchMatches,
  succeeded,
} from "./answer-scan";
import {
  type BucketState,
  changesBetween,
  existingPaths,
  objectText,
  parseTrashKey,
  pathOfFileKey,
  snapshot,
} from "./bucket-state";
import { buildCall, pick, type Seeded } from "./call-builder";
import { type Action, createPolicyOracle, type PolicyOracle } from "./policy-oracle";
import { type CallerCertificate, policyDocument, type Scenario } from "./scenario";

export type Invariant = "content" | "etag" | "name" | "change" | "oracle" | "redaction";

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

interface Answer {
  readonly status: number;
  readonly body: string;
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
  // Secrets every caller sees redacted, one per even-numbered seeded file → that file's path.
  const redacted = new Map<string, string>();
  const random = createRandom(0x2121 + run);
  await Promise.all(
    scenario.files.map((path, index) => {
      const fileLines = [0, 1, 2].map((line) => `line ${line} ${tag}f${index}l${line}z`);
      if (index % 2 === 0) {
        const secret = awsSecret(random);
        redacted.set(secret, path);
        fileLines.push(`aws_secret_access_key = ${secret}`);
      }
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
  /** MD5 etags of objects holding a redacted secret → where, for the redaction invariant. */
  const redactedEtags = new Map<string, string>();
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
        const holding = [...redacted.keys()].find((secret) => text.includes(secret));
        if (holding !== undefined)
          redactedEtags.set(etag, `${area}/${key} (holds the redacted secret of /${redacted.get(holding)})`);
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
      const effect = found?.effect ?? (rule === "defaultRedact" ? "redact" : "?");
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
    if (typeof conditional === "string" && redactedEtags.has(normalizedEtag(conditional)) && succeeded(answer.body))
      report(
        "redaction",
        `ifMatch with the MD5 of ${redactedEtags.get(normalizedEtag(conditional))} succeeded`,
        "defaultRedact",
      );
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
        for (const [secret, origin] of redacted) {
          if (text.includes(secret) && !sent.includes(secret))
            report("redaction", `shows the redacted secret of /${origin}`, "defaultRedact");
        }
        for (const [etag, where] of redactedEtags) {
          // An echo of what this request sent tells the caller nothing.
          if (text.includes(etag) && !sent.includes(etag))
            report("redaction", `shows the MD5 ${etag} of ${where}, whose view is redacted`, "defaultRedact");
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

/** `"abc"` → `abc`, as the server reads an ifMatch. */
function normalizedEtag(etag: string): string {
  const trimmed = etag.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
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
