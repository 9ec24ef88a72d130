/** The example policy document, verbatim: it must work exactly as written. */
export const EXAMPLE_POLICY = {
  version: 1,
  rolesClaim: "roles",
  roles: {
    viewer: ["files:read"],
    editor: ["files:read", "files:write"],
    admin: ["files:read", "files:write", "files:delete"],
  },
  toolsList: "permitted",
  rules: [
    {
      id: "no-dotenv",
      effect: "deny",
      actions: ["read", "write", "overwrite", "delete"],
      paths: ["**/.env", ".env"],
    },
    {
      id: "archive-read-only",
      effect: "deny",
      actions: ["write", "overwrite", "delete", "move"],
      paths: ["archive/**"],
      unlessRoles: ["admin"],
    },
    { id: "fresh-login-to-delete", effect: "step-up", actions: ["delete", "purge"], maxAuthAgeSeconds: 300 },
    { id: "confirm-purge", effect: "confirm", actions: ["purge"] },
  ],
} as const;
