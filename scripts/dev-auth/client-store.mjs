/**
 * Storage for the dev authorization server: registered clients in a JSON file, everything else
 * (grants, codes, sessions, interactions) in oidc-provider's own in-memory store.
 *
 * Why clients persist: MCP clients (the Inspector, mcp-remote, SDK apps) cache their dynamic
 * registration and reuse its `client_id`; if a restart of `npm run dev` forgot it, every one of them
 * would fail at the sign-in step with `invalid_client` until its cache is cleared by hand. The file holds
 * only public client metadata (dev clients are public: `token_endpoint_auth_method: none`, or a dev
 * secret for a loopback server) and lives in git-ignored `.wrangler/`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createMemoryAdapter } from "oidc-provider/lib/adapters/memory_adapter.js";

function createFileClientAdapter(file) {
  let clients = {};
  if (existsSync(file)) {
    try {
      clients = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      console.error(`dev authorization server: ignoring unreadable ${file}; clients will register again`);
    }
  }
  const save = () => {
    mkdirSync(dirname(file), { recursive: true });
    // Write-then-rename, so a crash mid-write never leaves half a file.
    writeFileSync(`${file}.tmp`, JSON.stringify(clients, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  return {
    async upsert(id, payload) {
      clients[id] = payload;
      save();
    },
    async find(id) {
      return clients[id];
    },
    async destroy(id) {
      delete clients[id];
      save();
    },
  };
}

/**
 * oidc-provider `adapter` option: a factory by model name. Without `clientsFile` (tests), clients stay
 * in memory too.
 * @param {{ clientsFile?: string }} options
 */
export function createDevAdapter({ clientsFile } = {}) {
  const memory = createMemoryAdapter();
  const clients = clientsFile ? createFileClientAdapter(clientsFile) : undefined;
  return (model) => (model === "Client" && clients ? clients : memory(model));
}
