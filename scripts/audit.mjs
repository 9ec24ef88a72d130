/**
 * `npm run audit -- …`: bundles scripts/audit/cli.ts (which imports the verifier and query code from
 * src/audit, the same code the Worker runs) with esbuild into node_modules/.cache, then runs it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { PROJECT_ROOT } from "./dev-keys.mjs";

const outfile = join(PROJECT_ROOT, "node_modules", ".cache", "r2mcp-audit", "cli.mjs");
mkdirSync(join(outfile, ".."), { recursive: true });
await build({
  entryPoints: [join(PROJECT_ROOT, "scripts", "audit", "cli.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  // wrangler (and its Miniflare) stay external: they are loaded from node_modules as installed.
  packages: "external",
  logLevel: "warning",
  define: { "import.meta.dirname": JSON.stringify(join(PROJECT_ROOT, "scripts", "audit")) },
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(process.argv.slice(2));
