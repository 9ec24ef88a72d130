import { describe, expect, it } from "vitest";
import type { Scope } from "../../../src/auth/principal";
import type { Access } from "../../../src/policy/access";
import { type Caller, type Decision, decide, mayEverUse } from "../../../src/policy/decide";
import { effectiveScopes } from "../../../src/policy/effective-scopes";
import { type Policy, parsePolicy, SCOPES_ONLY_POLICY } from "../../../src/policy/policy";
import { EXAMPLE_POLICY } from "./example-policy";

const NOW = 1_800_000_000;
const ALL = "files:read files:write files:delete";

function policyOf(document: unknown): Policy {
  const result = parsePolicy(JSON.stringify(document));
  if (!result.ok) throw new Error(result.problem);
  return result.policy;
}

function caller(overrides: Partial<Omit<Caller, "scopes">> & { scopes?: string } = {}): Caller {
  return {
    roles: [],
    authTime: NOW - 10,
    acr: undefined,
    certificateVerified: false,
    ...overrides,
    scopes: new Set((overrides.scopes ?? ALL).split(" ").filter(Boolean)),
  };
}

function run(
  policy: Policy,
  who: Caller,
  scope: Scope,
  accesses: Access[],
  options: { confirmed?: boolean; now?: number } = {},
): Decision {
  return decide(policy, {
    caller: who,
    scope,
    accesses,
    now: options.now ?? NOW,
    confirmed: options.confirmed ?? false,
  });
}

const example = policyOf(EXAMPLE_POLICY);
const admin = caller({ roles: ["admin"] });
const editor = caller({ roles: ["editor"] });
const viewer = caller({ roles: ["viewer"] });

describe("the example policy, rule by rule", () => {
  it.each<[string, Caller, Scope, Access[], Partial<Decision>]>([
    [
      "reading .env at the root",
      admin,
      "files:read",
      [{ action: "read", path: ".env" }],
      { effect: "deny", rule: "no-dotenv" },
    ],
    [
      "reading a nested .env",
      admin,
      "files:read",
      [{ action: "read", path: "app/config/.env" }],
      { effect: "deny", rule: "no-dotenv" },
    ],
    [
      "writing .env",
      admin,
      "files:write",
      [{ action: "write", path: "x/.env" }],
      { effect: "deny", rule: "no-dotenv" },
    ],
    [
      "reading .env.example (not .env)",
      admin,
      "files:read",
      [{ action: "read", path: ".env.example" }],
      { effect: "allow", rule: "scope:files:read" },
    ],
    ["listing a folder holding .env", admin, "files:read", [{ action: "list", path: "app" }], { effect: "allow" }],
    [
      "an editor writing under archive",
      editor,
      "files:write",
      [{ action: "write", path: "archive/2024/q1.txt" }],
      { effect: "deny", rule: "archive-read-only" },
    ],
    [
      "an editor reading under archive",
      editor,
      "files:read",
      [{ action: "read", path: "archive/2024/q1.txt" }],
      { effect: "allow" },
    ],
    [
      "an admin writing under archive",
      admin,
      "files:write",
      [{ action: "write", path: "archive/2024/q1.txt" }],
      { effect: "allow" },
    ],
    [
      "an editor moving into archive",
      editor,
      "files:write",
      [
        { action: "move", path: "notes.txt", subtree: true },
        { action: "move", path: "archive/notes.txt", subtree: true },
      ],
      { effect: "deny", rule: "archive-read-only" },
    ],
    [
      "an editor moving the archive folder itself",
      editor,
      "files:write",
      [
        { action: "move", path: "archive", subtree: true },
        { action: "move", path: "old", subtree: true },
      ],
      { effect: "deny", rule: "archive-read-only" },
    ],
    [
      "an editor moving elsewhere",
      editor,
      "files:write",
      [
        { action: "move", path: "a.txt", subtree: true },
        { action: "move", path: "b.txt", subtree: true },
      ],
      { effect: "allow" },
    ],
    [
      "a folder named archive deeper down",
      editor,
      "files:write",
      [{ action: "write", path: "x/archive/y.txt" }],
      { effect: "allow" },
    ],
    [
      "an admin deleting with a fresh login",
      admin,
      "files:delete",
      [{ action: "delete", path: "a.txt" }],
      { effect: "allow", conditions: ["fresh-login-to-delete"] },
    ],
    [
      "an admin deleting with a stale login",
      caller({ roles: ["admin"], authTime: NOW - 301 }),
      "files:delete",
      [{ action: "delete", path: "a.txt" }],
      { effect: "step-up", rule: "fresh-login-to-delete", maxAgeSeconds: 300 },
    ],
    [
      "an admin deleting exactly at the limit",
      caller({ roles: ["admin"], authTime: NOW - 300 }),
      "files:delete",
      [{ action: "delete", path: "a.txt" }],
      { effect: "allow" },
    ],
    [
      "a token without auth_time deleting",
      caller({ roles: ["admin"], authTime: undefined }),
      "files:delete",
      [{ action: "delete", path: "a.txt" }],
      { effect: "step-up", rule: "fresh-login-to-delete" },
    ],
    [
      "a purge with a fresh login, unconfirmed",
      admin,
      "files:delete",
      [{ action: "purge", path: null }],
      { effect: "confirm", rule: "confirm-purge" },
    ],
    [
      "a purge with a fresh login, confirmed",
      admin,
      "files:delete",
      [{ action: "purge", path: null }],
      { effect: "allow", conditions: ["fresh-login-to-delete", "confirm-purge"] },
    ],
    [
      "a purge with a stale login asks for the login before the confirmation",
      caller({ roles: ["admin"], authTime: NOW - 900 }),
      "files:delete",
      [{ action: "purge", path: null }],
      { effect: "step-up", rule: "fresh-login-to-delete" },
    ],
    [
      "an editor deleting: no files:delete through its role",
      editor,
      "files:delete",
      [{ action: "delete", path: "a.txt" }],
      { effect: "not-entitled", rule: "roles:files:delete", scope: "files:delete" },
    ],
    [
      "a viewer writing",
      viewer,
      "files:write",
      [{ action: "write", path: "a.txt" }],
      { effect: "not-entitled", scope: "files:write" },
    ],
    [
      "an editor whose token lacks files:write: the client can ask for it",
      caller({ roles: ["editor"], scopes: "files:read" }),
      "files:write",
      [{ action: "write", path: "a.txt" }],
      { effect: "insufficient-scope", rule: "scope:files:write" },
    ],
    [
      "a viewer writing .env: the deny rule wins over the missing scope",
      viewer,
      "files:write",
      [{ action: "write", path: ".env" }],
      { effect: "deny", rule: "no-dotenv" },
    ],
  ])("%s", (_name, who, scope, accesses, expected) => {
    const confirmed = _name.endsWith("confirmed") && !_name.endsWith("unconfirmed");
    expect(run(example, who, scope, accesses, { confirmed })).toMatchObject(expected);
  });

  it("a recursive delete of any folder could reach a .env below it: refused (fail closed)", () => {
    expect(run(example, admin, "files:delete", [{ action: "delete", path: "build", subtree: true }])).toMatchObject({
      effect: "deny",
      rule: "no-dotenv",
    });
    expect(run(example, admin, "files:delete", [{ action: "delete", path: "build/app.js" }])).toMatchObject({
      effect: "allow",
    });
  });

  it("an access whose path is not known in advance matches every rule for its action", () => {
    const policy = policyOf({
      version: 1,
      rules: [{ id: "no-restore-secret", effect: "deny", actions: ["restore"], paths: ["secret/**"] }],
    });
    expect(run(policy, caller(), "files:write", [{ action: "restore", path: null }])).toMatchObject({ effect: "deny" });
    expect(run(policy, caller(), "files:write", [{ action: "restore", path: "public/a.txt" }])).toMatchObject({
      effect: "allow",
    });
  });
});

describe("role/scope intersection", () => {
  it.each<[string, string, string[], string[]]>([
    ["no roles: the token's scopes", ALL, [], ["files:read", "files:write", "files:delete"]],
    ["a viewer with a full token", ALL, ["viewer"], ["files:read"]],
    ["an admin with a read-only token", "files:read", ["admin"], ["files:read"]],
    ["viewer + editor", ALL, ["viewer", "editor"], ["files:read", "files:write"]],
    ["an unknown role entitles to nothing", ALL, ["intern"], []],
    ["unknown scopes never count", "files:read files:admin", [], ["files:read"]],
  ])("%s", (_name, scopes, roles, expected) => {
    expect([...effectiveScopes(example, caller({ scopes, roles }))].sort()).toEqual(expected.sort());
  });

  it("defaultRoles apply to a credential that names no roles", () => {
    const policy = policyOf({ ...EXAMPLE_POLICY, defaultRoles: ["viewer"] });
    expect([...effectiveScopes(policy, caller())]).toEqual(["files:read"]);
    expect([...effectiveScopes(policy, caller({ roles: ["editor"] }))].sort()).toEqual(["files:read", "files:write"]);
  });
});

describe("each effect", () => {
  it("require-certificate: refused without a verified certificate, allowed with one", () => {
    const policy = policyOf({
      version: 1,
      rules: [{ id: "mtls-for-finance", effect: "require-certificate", paths: ["finance/**"] }],
    });
    const access: Access[] = [{ action: "read", path: "finance/q3.xlsx" }];
    expect(run(policy, caller(), "files:read", access)).toEqual({
      effect: "require-certificate",
      rule: "mtls-for-finance",
    });
    expect(run(policy, caller({ certificateVerified: true }), "files:read", access)).toMatchObject({
      effect: "allow",
      conditions: ["mtls-for-finance"],
    });
    expect(run(policy, caller(), "files:read", [{ action: "read", path: "other/q3.xlsx" }])).toMatchObject({
      effect: "allow",
      conditions: [],
    });
  });

  it("limit: per-role maxWriteBytes, the smallest matching limit decides", () => {
    const policy = policyOf({
      version: 1,
      roles: { editor: ["files:read", "files:write"], bulk: ["files:read", "files:write"] },
      rules: [
        { id: "editor-writes", effect: "limit", roles: ["editor"], maxWriteBytes: 1000 },
        { id: "bulk-writes", effect: "limit", roles: ["bulk"], maxWriteBytes: 10_000 },
      ],
    });
    const write = (bytes: number): Access[] => [{ action: "write", path: "a.bin", bytes }];
    expect(run(policy, caller({ roles: ["editor"] }), "files:write", write(1000))).toMatchObject({ effect: "allow" });
    expect(run(policy, caller({ roles: ["editor"] }), "files:write", write(1001))).toEqual({
      effect: "limit",
      rule: "editor-writes",
      maxWriteBytes: 1000,
      bytes: 1001,
    });
    expect(run(policy, caller({ roles: ["bulk"] }), "files:write", write(5000))).toMatchObject({ effect: "allow" });
    expect(run(policy, caller({ roles: ["bulk", "editor"] }), "files:write", write(5000))).toMatchObject({
      effect: "limit",
      rule: "editor-writes",
    });
    // Moves bring no bytes in: never limited.
    expect(
      run(policy, caller({ roles: ["editor"] }), "files:write", [{ action: "move", path: "a", subtree: true }]),
    ).toMatchObject({ effect: "allow" });
  });

  it("step-up by acr, by age, and both", () => {
    const policy = policyOf({
      version: 1,
      rules: [
        { id: "mfa-for-finance", effect: "step-up", paths: ["finance/**"], acrValues: ["urn:mfa", "urn:phr"] },
        {
          id: "fresh-for-finance-writes",
          effect: "step-up",
          actions: ["write", "overwrite"],
          paths: ["finance/**"],
          maxAuthAgeSeconds: 60,
        },
      ],
    });
    const read: Access[] = [{ action: "read", path: "finance/a" }];
    const write: Access[] = [{ action: "overwrite", path: "finance/a", bytes: 1 }];
    expect(run(policy, caller(), "files:read", read)).toEqual({
      effect: "step-up",
      rule: "mfa-for-finance",
      maxAgeSeconds: undefined,
      acrValues: ["urn:mfa", "urn:phr"],
    });
    expect(run(policy, caller({ acr: "urn:mfa" }), "files:read", read)).toMatchObject({ effect: "allow" });
    expect(run(policy, caller({ acr: "urn:pwd" }), "files:read", read)).toMatchObject({ effect: "step-up" });
    expect(run(policy, caller({ acr: "urn:mfa", authTime: NOW - 61 }), "files:write", write)).toEqual({
      effect: "step-up",
      rule: "fresh-for-finance-writes",
      maxAgeSeconds: 60,
      acrValues: undefined,
    });
    expect(run(policy, caller({ authTime: NOW - 61 }), "files:write", write)).toEqual({
      effect: "step-up",
      rule: "mfa-for-finance",
      maxAgeSeconds: 60,
      acrValues: ["urn:mfa", "urn:phr"],
    });
  });

  it("roles and unlessRoles select who a rule applies to", () => {
    const policy = policyOf({
      version: 1,
      roles: { contractor: ["files:read"], staff: ["files:read"], lead: ["files:read"] },
      rules: [
        { id: "contractors-no-hr", effect: "deny", roles: ["contractor"], unlessRoles: ["lead"], paths: ["hr/**"] },
      ],
    });
    const read: Access[] = [{ action: "read", path: "hr/salaries.csv" }];
    expect(run(policy, caller({ roles: ["contractor"] }), "files:read", read)).toMatchObject({ effect: "deny" });
    expect(run(policy, caller({ roles: ["contractor", "lead"] }), "files:read", read)).toMatchObject({
      effect: "allow",
    });
    expect(run(policy, caller({ roles: ["staff"] }), "files:read", read)).toMatchObject({ effect: "allow" });
  });

  it("deny wins over every other effect, whatever the order of the rules", () => {
    const policy = policyOf({
      version: 1,
      rules: [
        { id: "confirm-all", effect: "confirm" },
        { id: "fresh-all", effect: "step-up", maxAuthAgeSeconds: 1 },
        { id: "cert-all", effect: "require-certificate" },
        { id: "small", effect: "limit", maxWriteBytes: 0 },
        { id: "no-secrets", effect: "deny", paths: ["secrets/**"] },
      ],
    });
    expect(
      run(policy, caller({ authTime: 0 }), "files:write", [{ action: "write", path: "secrets/k", bytes: 9 }]),
    ).toMatchObject({
      effect: "deny",
      rule: "no-secrets",
    });
    expect(
      run(policy, caller({ authTime: 0 }), "files:write", [{ action: "write", path: "k", bytes: 9 }]),
    ).toMatchObject({
      effect: "require-certificate",
    });
  });
});

describe("globs at the tenant root and in depth", () => {
  const policy = policyOf({
    version: 1,
    rules: [
      { id: "top-md", effect: "deny", paths: ["*.md"] },
      { id: "docs-tree", effect: "deny", actions: ["write"], paths: ["docs/**"] },
      { id: "any-key", effect: "deny", paths: ["**/*.{pem,key}"] },
    ],
  });
  it.each<[string, Action, boolean | "subtree", string]>([
    ["README.md", "read", false, "top-md"],
    ["notes/README.md", "read", false, "allow"],
    // `docs/**` covers `docs` itself (docs/policy.md, "Paths").
    ["docs", "write", false, "docs-tree"],
    ["docs/a/b.txt", "write", false, "docs-tree"],
    ["docs/a/b.txt", "read", false, "allow"],
    ["docs", "write", "subtree", "docs-tree"],
    ["server.pem", "read", false, "any-key"],
    ["a/b/c/tls.key", "read", false, "any-key"],
    ["a/b/c/tls.keys", "read", false, "allow"],
  ])("%s (%s, %s) → %s", (path, action, subtree, expected) => {
    const decision = run(policy, caller(), "files:read", [{ action, path, subtree: subtree === "subtree" }]);
    expect(decision.effect === "allow" ? "allow" : decision.rule).toBe(expected);
  });
});

describe("default behaviour", () => {
  it("without a policy, scopes alone decide and roles are ignored", () => {
    expect(
      run(SCOPES_ONLY_POLICY, caller({ roles: ["viewer"] }), "files:delete", [{ action: "purge", path: null }]),
    ).toEqual({
      effect: "allow",
      rule: "scope:files:delete",
      conditions: [],
    });
    expect(
      run(SCOPES_ONLY_POLICY, caller({ scopes: "files:read" }), "files:write", [{ action: "write", path: ".env" }]),
    ).toEqual({
      effect: "insufficient-scope",
      rule: "scope:files:write",
      scope: "files:write",
    });
  });
});

describe("mayEverUse (toolsList: permitted)", () => {
  it("hides tools by effective scope and by deny rules without paths, never by path rules", () => {
    const policy = policyOf({
      ...EXAMPLE_POLICY,
      rules: [
        ...EXAMPLE_POLICY.rules,
        { id: "no-purge-unless-admin", effect: "deny", actions: ["purge"], unlessRoles: ["admin"] },
      ],
    });
    const deleter = caller({ roles: ["viewer", "admin"] });
    const staff = caller({ scopes: ALL, roles: [] });
    expect(mayEverUse(policy, viewer, "files:read", ["read"])).toBe(true);
    expect(mayEverUse(policy, viewer, "files:write", ["write"])).toBe(false);
    expect(mayEverUse(policy, deleter, "files:delete", ["purge"])).toBe(true);
    expect(mayEverUse(policy, staff, "files:delete", ["purge"])).toBe(false);
    expect(mayEverUse(policy, staff, "files:delete", ["delete"])).toBe(true);
    expect(mayEverUse(policy, staff, "files:read", [])).toBe(true);
  });
});

type Action = Access["action"];
