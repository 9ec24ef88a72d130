/**
 * Sequences the model test found failing before the policy gate (issue 18), written out by hand from the
 * shrunk counterexamples so they run on every `npm test` whatever the generators become. Each is named
 * after the bypass it shows; the runner checks the same invariants as for random sequences.
 */
import type { ModelRule } from "./support/policy-oracle";
import type { Scenario, Step } from "./support/scenario";

export interface Regression {
  readonly name: string;
  readonly scenario: Scenario;
}

function scenario(
  files: string[],
  rules: ModelRule[],
  steps: Step[],
  options: Partial<
    Pick<Scenario, "callerRoles" | "callerCertificate" | "freshLogin" | "adminDeletes" | "emptyDirectories">
  > = {},
): Scenario {
  return {
    files,
    rules,
    steps,
    callerRoles: options.callerRoles ?? ["editor"],
    callerCertificate: options.callerCertificate ?? "none",
    freshLogin: options.freshLogin ?? false,
    adminDeletes: options.adminDeletes ?? [],
    emptyDirectories: options.emptyDirectories ?? [],
  };
}

const payrollReadDeny: ModelRule = { id: "payroll-read", effect: "deny", actions: ["read"], paths: ["payroll/**"] };
const PAYROLL = ["payroll/2026.txt", "payroll/2025.txt", "payroll/q/1.txt", "payroll/q/2.txt", "open/notes.md"];

/** Bypasses the model found that the gate does not close yet: run, and expected to fail, until it does. */
export const KNOWN_OPEN: readonly Regression[] = [];

export const REGRESSIONS: readonly Regression[] = [
  {
    name: "issue 21: a file whose secret every caller sees redacted shows no MD5, and its right MD5 is no ifMatch",
    // Seeded file 0 holds a secret (run-scenario.ts); no rule is needed: secrets are redacted by default.
    scenario: scenario(
      ["open/a.txt", "open/b.md"],
      [{ id: "r0", effect: "deny", actions: ["purge"], paths: ["hr/**"] }],
      [
        { tool: "list_directory_with_sizes", args: { path: "open" } },
        { tool: "get_file_info", args: { path: "open/a.txt" } },
        {
          tool: "edit_file",
          args: { path: "open/a.txt", edits: [{ oldText: "line 1", newText: "x" }], ifMatch: "$md5:0" },
        },
        { tool: "write_file", args: { path: "open/a.txt", content: "mine\n", ifMatch: "$md5:0" } },
        { tool: "append_file", args: { path: "open/a.txt", content: "mine\n" } },
      ],
      { callerRoles: ["clerk"] },
    ),
  },
  {
    name: "forged search cursor: a search resumed inside a file the caller may not list must not name it (found by the model)",
    scenario: scenario(
      ["open/a.txt", "open/b.md"],
      [{ id: "r0", effect: "deny", actions: ["list"], paths: ["open/*.txt"] }],
      [
        {
          tool: "search_file_contents",
          args: { path: "open", pattern: "line", cursor: "c1.eyJmIjoiYS50eHQiLCJvIjowLCJsIjoxfQ" },
        },
      ],
      { callerRoles: ["viewer"] },
    ),
  },
  {
    name: "equality oracles: a copy over a read-denied file, an overwrite conditional on a guessed etag",
    scenario: scenario(
      ["payroll/2026.txt", "tmp/keep.txt"],
      [payrollReadDeny],
      [
        { tool: "write_file", args: { path: "tmp/guess.txt", content: "$content:0" } },
        { tool: "copy_file", args: { source: "tmp/guess.txt", destination: "payroll/2026.txt" } },
        { tool: "write_file", args: { path: "payroll/2026.txt", content: "mine\n", ifMatch: "$md5:0" } },
      ],
      { callerRoles: ["clerk"] },
    ),
  },
  {
    name: "1. a real edit of a read-denied file answers a diff with its lines",
    scenario: scenario(
      PAYROLL,
      [payrollReadDeny],
      [{ tool: "edit_file", args: { path: "payroll/2026.txt", edits: [{ oldText: "line 1", newText: "x" }] } }],
    ),
  },
  {
    name: "1. edit_not_found tells whether a guess is in a read-denied file",
    scenario: scenario(
      PAYROLL,
      [payrollReadDeny],
      [
        {
          tool: "edit_file",
          args: { path: "payroll/2026.txt", edits: [{ oldText: "salary 90000", newText: "x" }] },
        },
      ],
    ),
  },
  {
    name: "2. moving the directory a read rule names, then reading it at the new place",
    scenario: scenario(
      ["payroll/2026.txt", "open/notes.md"],
      [payrollReadDeny],
      [
        { tool: "move_file", args: { source: "payroll", destination: "open/pay" } },
        { tool: "read_text_file", args: { path: "open/pay/2026.txt" } },
      ],
    ),
  },
  {
    name: "2. the same move of more objects than one request handles (a background operation)",
    scenario: scenario(
      PAYROLL,
      [payrollReadDeny],
      [
        { tool: "move_file", args: { source: "payroll", destination: "open/pay" } },
        { tool: "read_multiple_files", args: { paths: ["open/pay/2026.txt", "open/pay/q/1.txt"] } },
      ],
    ),
  },
  {
    name: "2. moving the directory a require-certificate rule names, without a certificate",
    scenario: scenario(
      ["vault/key.txt", "open/notes.md"],
      [{ id: "vault-mtls", effect: "require-certificate", actions: ["read"], paths: ["vault/**"] }],
      [
        { tool: "move_file", args: { source: "vault", destination: "open/v" } },
        { tool: "read_text_file", args: { path: "open/v/key.txt" } },
      ],
    ),
  },
  {
    name: "3. list_trash shows an admin's payroll deletion; restoring it elsewhere makes it readable",
    scenario: scenario(
      ["payroll/2026.txt", "open/notes.md"],
      [payrollReadDeny, { id: "payroll-list", effect: "deny", actions: ["list"], paths: ["payroll/**"] }],
      [
        { tool: "list_trash", args: {} },
        { tool: "restore_file", args: { trashId: "$trash", destination: "open/old" } },
        { tool: "read_text_file", args: { path: "open/old/2026.txt" } },
      ],
      { adminDeletes: [0] },
    ),
  },
  {
    name: "4. write, delete and restore past a write deny (and past no-dotenv)",
    scenario: scenario(
      ["tmp/keep.txt"],
      [
        {
          id: "archive-read-only",
          effect: "deny",
          actions: ["write", "overwrite", "delete", "move"],
          paths: ["archive/**"],
        },
        {
          id: "no-dotenv",
          effect: "deny",
          actions: ["read", "write", "overwrite", "delete"],
          paths: ["**/.env", ".env"],
        },
      ],
      [
        { tool: "write_file", args: { path: "tmp/p.txt", content: "mine\n" } },
        { tool: "delete_file", args: { path: "tmp/p.txt" } },
        { tool: "restore_file", args: { trashId: "$trash", destination: "archive/p.txt" } },
        { tool: "write_file", args: { path: "tmp/q.txt", content: "mine\n" } },
        { tool: "delete_file", args: { path: "tmp/q.txt" } },
        { tool: "restore_file", args: { trashId: "$trash", destination: "web/.env" } },
      ],
      { callerRoles: ["clerk"] },
    ),
  },
  {
    name: "5. listing the directory a deny-everything rule names (hr, hr/, /hr, with sizes)",
    scenario: scenario(
      ["hr/people.txt", "hr/2026/review.md", "open/notes.md"],
      [{ id: "hr-closed", effect: "deny", paths: ["hr/**"] }],
      [
        { tool: "list_directory", args: { path: "hr" } },
        { tool: "list_directory", args: { path: "hr/" } },
        { tool: "list_directory", args: { path: "/hr" } },
        { tool: "list_directory_with_sizes", args: { path: "hr" } },
        { tool: "list_directory", args: { path: "/" } },
      ],
    ),
  },
  {
    name: "6. listings hand out the etag (MD5) of read-denied files",
    scenario: scenario(
      PAYROLL,
      [payrollReadDeny],
      [
        { tool: "list_directory", args: { path: "payroll" } },
        { tool: "list_directory_with_sizes", args: { path: "payroll" } },
        { tool: "get_file_info", args: { path: "payroll/2026.txt" } },
      ],
    ),
  },
  {
    name: "a rule glob pasted decomposed (NFD) must still match the NFC paths",
    scenario: scenario(
      ["pé/a.txt", "open/notes.md"],
      [{ id: "pe-closed", effect: "deny", actions: ["read"], paths: ["pé/**".normalize("NFD")] }],
      [{ tool: "read_text_file", args: { path: "pé/a.txt" } }],
    ),
  },
  {
    name: "require-certificate is not met by a CA verdict without a certificate authentication accepted",
    scenario: scenario(
      ["vault/key.txt"],
      [{ id: "vault-mtls", effect: "require-certificate", paths: ["vault/**"] }],
      [{ tool: "read_text_file", args: { path: "vault/key.txt" } }],
      { callerCertificate: "unaccepted" },
    ),
  },
  {
    name: "a move removes its source: it needs delete there (found by the model: move past a delete deny)",
    scenario: scenario(
      ["a.txt", "web/hr/.env"],
      [
        { id: "no-deletes", effect: "deny", actions: ["delete"] },
        { id: "fresh-login-to-delete-web", effect: "step-up", actions: ["delete"], paths: ["web/**"] },
      ],
      [
        { tool: "move_file", args: { source: "a.txt", destination: "n1" } },
        { tool: "move_file", args: { source: "web/hr", destination: "web/open" } },
      ],
    ),
  },
  {
    name: "listings, searches, trees and resources leave out what the caller may not list (found by the model)",
    scenario: scenario(
      ["web/a.txt", "web/b.md", "hr/open/b.md", "open/c.txt"],
      [{ id: "no-md-names", effect: "deny", actions: ["list"], paths: ["**/*.md"] }],
      [
        { tool: "list_directory", args: { path: "web" } },
        { tool: "search_files", args: { path: "/", pattern: "**" } },
        { tool: "search_file_contents", args: { path: "/", pattern: "line" } },
        { tool: "directory_tree", args: { path: "/" } },
        { tool: "resources/list", args: {} },
      ],
    ),
  },
  {
    name: "moving a directory places each object under write rules at its target (found by the model)",
    scenario: scenario(
      ["open/hr/.env", "open/hr/a.txt"],
      [{ id: "no-dotenv-writes", effect: "deny", actions: ["write", "overwrite", "delete"], paths: ["**/.env"] }],
      [{ tool: "move_file", args: { source: "open/hr/", destination: "open/pé/open" } }],
      { callerRoles: ["editor"] },
    ),
  },
  {
    name: "create_directory of the directory a write rule names (dir/** covers dir; found by the model)",
    scenario: scenario(
      ["web/a.txt"],
      [{ id: "web-hr-closed", effect: "deny", actions: ["write", "overwrite", "delete"], paths: ["web/hr/**"] }],
      [{ tool: "create_directory", args: { path: "web/hr" } }],
      { callerRoles: ["clerk"] },
    ),
  },
  {
    name: "append_file to a read-denied file answers the etag of content it may not read (found by the model)",
    scenario: scenario(
      ["web/.env"],
      [{ id: "no-dotenv-reads", effect: "deny", actions: ["read", "list"], paths: ["**/.env"] }],
      [{ tool: "append_file", args: { path: "web/.env", content: "mine\n" } }],
      { callerRoles: ["clerk"] },
    ),
  },
  {
    name: "a content search or resources/read never shows a line of a read-denied file",
    scenario: scenario(
      ["payroll/2026.txt", "open/notes.md"],
      [payrollReadDeny],
      [
        { tool: "search_file_contents", args: { path: "/", pattern: "line", contextLines: 1 } },
        { tool: "resources/read", args: { uri: "r2-files:///payroll/2026.txt" } },
      ],
    ),
  },
];
