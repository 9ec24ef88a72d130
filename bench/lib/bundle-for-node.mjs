/**
 * Loads TypeScript sources (extensionless imports, as the Worker writes them) into Node for the
 * benchmarks: bundles the named exports once with esbuild, inside the project so external packages
 * resolve from its node_modules, imports the bundle and removes the temporary folder.
 * `modules` maps a project-relative .ts path to the names to export from it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export async function bundleForNode(root, modules) {
  const dir = await mkdtemp(join(root, ".bench-bundle-"));
  try {
    const entry = join(dir, "entry.ts");
    const out = join(dir, "bundle.mjs");
    await writeFile(
      entry,
      Object.entries(modules)
        .map(([path, names]) => `export { ${names.join(", ")} } from ${JSON.stringify(join(root, path))};`)
        .join("\n"),
    );
    await build({
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      format: "esm",
      platform: "node",
      packages: "external",
      logLevel: "error",
      absWorkingDir: root,
    });
    return await import(pathToFileURL(out).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The Redis test tier's pair: a private redis-server and the Upstash REST bridge in front of it. */
export function loadRedisSupport(root) {
  return bundleForNode(root, {
    "test/redis/support/redis-server.ts": ["startRedisServer"],
    "test/redis/support/upstash-bridge.ts": ["startUpstashBridge"],
  });
}
