/**
 * What one model run is made of, and fast-check arbitraries for it: a seeded tree, an ACCESS_POLICY
 * document from the grammar's parts that matter for mediation, the caller's roles, what the admin
 * deleted before the caller arrived, and the caller's steps. Steps carry small numbers, not paths:
 * the runner picks paths, trash ids and text from the bucket as it is at that step, so any sequence
 * is valid and shrinks well.
 */
import fc from "fast-check";
import { ACTIONS, type Action, type Effect, type ModelRule } from "./policy-oracle";

/** Directory names (one non-ASCII, stored NFC) and file names the trees and globs are built from. */
export const DIRECTORY_NAMES = ["pay", "hr", "web", "open", "pé"] as const;
export const FILE_NAMES = ["a.txt", "b.md", ".env", "c.txt"] as const;
/** Roles the generated documents declare; `admin` is the one unlessRoles usually spares. */
export const ROLES = {
  admin: ["files:read", "files:write", "files:delete"],
  clerk: ["files:read", "files:write", "files:delete"],
  editor: ["files:read", "files:write"],
  viewer: ["files:read"],
} as const;
export type Role = keyof typeof ROLES;

export const TOOL_KINDS = [
  "read_text_file",
  "read_media_file",
  "read_multiple_files",
  "write_file",
  "edit_file",
  "create_directory",
  "list_directory",
  "list_directory_with_sizes",
  "directory_tree",
  "move_file",
  "search_files",
  "get_file_info",
  "list_allowed_directories",
  "delete_file",
  "list_trash",
  "restore_file",
  "empty_trash",
  "copy_file",
  "append_file",
  "search_file_contents",
  "resources/list",
  "resources/read",
] as const;
/**
 * Steps of the admin (the same tenant, no ACCESS_POLICY) between the caller's: new content appears at
 * paths the caller may not read (its canaries are secret from then on), and entries reach the trash.
 */
export const ADMIN_KINDS = ["admin:write_file", "admin:delete_file"] as const;
export type StepKind = (typeof TOOL_KINDS)[number] | (typeof ADMIN_KINDS)[number];

/**
 * One caller step: the tool, and numbers the runner turns into arguments from the current bucket, or
 * (in hand-written regressions) the arguments themselves; there `"$trash"` stands for the id of the
 * first trash entry in the bucket, `"$content:i"` for seeded file i's content, `"$md5:i"` for its MD5.
 */
export type Step =
  | { readonly tool: StepKind; readonly a: number; readonly b: number; readonly c: number; readonly flag: boolean }
  | { readonly tool: StepKind; readonly args: Readonly<Record<string, unknown>> };

export type CallerCertificate = "none" | "unaccepted" | "accepted";

export interface Scenario {
  /** Seeded files (canonical paths); each gets unique canary lines. */
  readonly files: readonly string[];
  /** Seeded empty directories (explicit markers). */
  readonly emptyDirectories: readonly string[];
  readonly rules: readonly ModelRule[];
  readonly callerRoles: readonly Role[];
  /**
   * What the caller's requests show of a client certificate (`cf.tlsClientAuth`): none, a CA verdict
   * alone (`certVerified: "SUCCESS"`, nothing authentication can accept), or a whole usable certificate.
   */
  readonly callerCertificate: CallerCertificate;
  /** The caller logged in 10 s ago (meets every step-up rule) rather than an hour ago. */
  readonly freshLogin: boolean;
  /** Indices into files' top-level directories and files that the admin deletes before the caller starts. */
  readonly adminDeletes: readonly number[];
  readonly steps: readonly Step[];
}

const directoryName = fc.constantFrom(...DIRECTORY_NAMES);

const directoryPath = fc.array(directoryName, { minLength: 1, maxLength: 2 }).map((names) => names.join("/"));

const filePath = fc
  .tuple(fc.array(directoryName, { minLength: 0, maxLength: 2 }), fc.constantFrom(...FILE_NAMES))
  .map(([directories, file]) => [...directories, file].join("/"));

/** Globs as operators write them: a directory's subtree, a bare name, any depth, braces, extensions. */
const glob = fc
  .tuple(
    fc.oneof(
      directoryName.map((name) => `${name}/**`),
      directoryName,
      directoryName.map((name) => `**/${name}/**`),
      fc.tuple(directoryName, directoryName).map(([a, b]) => `{${a},${b}}/**`),
      directoryName.map((name) => `${name}/*.txt`),
      fc.tuple(directoryName, directoryName).map(([a, b]) => `${a}/${b}/**`),
      fc.constantFrom("**/.env", ".env", "**/*.md", "*"),
    ),
    // A glob pasted from macOS arrives decomposed (NFD); stored paths are NFC.
    fc.boolean(),
  )
  .map(([pattern, decomposed]) => (decomposed ? pattern.normalize("NFD") : pattern));

const effect: fc.Arbitrary<Effect> = fc.constantFrom<Effect>(
  "deny",
  "deny",
  "deny",
  "step-up",
  "confirm",
  "require-certificate",
);

const ruleBody = fc.record({
  effect,
  actions: fc.oneof(
    fc.constant(undefined),
    fc.constantFrom<Action[]>(
      ["read"],
      ["list"],
      ["read", "list"],
      ["write", "overwrite", "delete"],
      ["read", "write"],
    ),
    fc.subarray<Action>([...ACTIONS], { minLength: 1, maxLength: 3 }),
  ),
  paths: fc.option(fc.uniqueArray(glob, { minLength: 1, maxLength: 2 }), { nil: undefined, freq: 8 }),
  roles: fc.option(fc.subarray<string>(["clerk", "editor", "viewer"], { minLength: 1 }), { nil: undefined, freq: 3 }),
  unlessRoles: fc.option(fc.subarray<string>(["admin", "editor"], { minLength: 1 }), { nil: undefined, freq: 3 }),
});

const rules: fc.Arbitrary<ModelRule[]> = fc
  .array(ruleBody, { minLength: 1, maxLength: 4 })
  .map((bodies) => bodies.map((body, index) => ({ id: `r${index}`, ...body })));

const step = fc.record({
  // The tools that reach more than they name come up more often.
  tool: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<StepKind>("move_file", "copy_file", "restore_file", "edit_file") },
    {
      weight: 2,
      arbitrary: fc.constantFrom<StepKind>(
        "list_directory",
        "list_trash",
        "delete_file",
        "search_file_contents",
        "resources/read",
        "read_text_file",
        "directory_tree",
        "write_file",
      ),
    },
    { weight: 2, arbitrary: fc.constantFrom<StepKind>(...TOOL_KINDS) },
    { weight: 1, arbitrary: fc.constantFrom<StepKind>(...ADMIN_KINDS) },
  ),
  a: fc.nat({ max: 999 }),
  b: fc.nat({ max: 999 }),
  c: fc.nat({ max: 999 }),
  flag: fc.boolean(),
});

export function scenarioArbitrary(options: { maxSteps: number }): fc.Arbitrary<Scenario> {
  return fc.record({
    files: fc.uniqueArray(filePath, { minLength: 2, maxLength: 12 }),
    emptyDirectories: fc.uniqueArray(directoryPath, { maxLength: 1 }),
    rules,
    callerRoles: fc.subarray<Role>(["clerk", "editor", "viewer", "admin"], { minLength: 1, maxLength: 2 }),
    callerCertificate: fc.constantFrom<CallerCertificate>("none", "none", "unaccepted", "accepted"),
    freshLogin: fc.nat({ max: 3 }).map((n) => n === 0),
    adminDeletes: fc.uniqueArray(fc.nat({ max: 9 }), { maxLength: 2 }),
    steps: fc.array(step, { minLength: 1, maxLength: options.maxSteps }),
  });
}

/** The ACCESS_POLICY document for a scenario's rules (step-up rules ask for a login of the last 300 s). */
export function policyDocument(scenario: Pick<Scenario, "rules">): Record<string, unknown> {
  return {
    version: 1,
    rolesClaim: "roles",
    roles: ROLES,
    rules: scenario.rules.map((rule) => ({
      id: rule.id,
      effect: rule.effect,
      ...(rule.effect === "step-up" ? { maxAuthAgeSeconds: 300 } : {}),
      ...(rule.actions ? { actions: rule.actions } : {}),
      ...(rule.paths ? { paths: rule.paths } : {}),
      ...(rule.roles ? { roles: rule.roles } : {}),
      ...(rule.unlessRoles ? { unlessRoles: rule.unlessRoles } : {}),
    })),
  };
}
