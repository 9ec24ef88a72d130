/// <reference types="vite/client" />
/**
 * What a cold isolate evaluates (docs/performance.md, "Startup"): the module graph reached from
 * src/index.ts through static imports only. Everything else loads on first use behind `import()`
 * (src/loading/load-once.ts), inside the one bundle. One static import in the wrong place (a route
 * importing the pipeline, a stage importing the SDK) would make a whole part eager again without any
 * other test noticing: this walks the source the way the bundler does and names the import that did.
 *
 * Imports are read as written: `import type` / `export type` are erased; any other import statement
 * counts, even one naming only inline `type` specifiers (verbatimModuleSyntax keeps it as an import).
 */
import { describe, expect, it } from "vitest";

const sources = import.meta.glob("../../src/**/*.ts", { query: "?raw", import: "default", eager: true }) as Record<
  string,
  string
>;

const files = new Map(Object.entries(sources).map(([path, text]) => [path.replace(/^(\.\.\/)+/, ""), text]));

function resolveRelative(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const piece of specifier.split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== ".") parts.push(piece);
  }
  const path = parts.join("/");
  // A compiled asset (the scanner's WebAssembly kernel) is a leaf: loaded with its importer, imports nothing.
  if (path.endsWith(".wasm")) return path;
  if (files.has(`${path}.ts`)) return `${path}.ts`;
  if (files.has(`${path}/index.ts`)) return `${path}/index.ts`;
  throw new Error(`${from}: cannot resolve ${specifier}`);
}

const STATIC_IMPORT =
  /^(?:import|export)\s+(type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}|\w+(?:\s*,\s*(?:\{[^}]*\}|\*\s+as\s+\w+))?)\s+from\s+"([^"]+)"/gm;
const BARE_IMPORT = /^import\s+"([^"]+)"/gm;
const DYNAMIC_IMPORT = /(?<!typeof\s)\bimport\("([^"]+)"\)/g;

interface Imports {
  /** Our modules and packages this file imports statically (evaluated with it). */
  readonly statics: string[];
  /** Our modules it loads with `import()`. */
  readonly dynamics: string[];
}

function importsOf(path: string): Imports {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no source ${path}`);
  const statics: string[] = [];
  for (const match of text.matchAll(STATIC_IMPORT)) if (!match[1]) statics.push(match[2]!);
  for (const match of text.matchAll(BARE_IMPORT)) statics.push(match[1]!);
  const dynamics = [...text.matchAll(DYNAMIC_IMPORT)].map((match) => match[1]!);
  const resolve = (specifier: string) => (specifier.startsWith(".") ? resolveRelative(path, specifier) : specifier);
  return { statics: statics.map(resolve), dynamics: dynamics.map(resolve) };
}

/**
 * What evaluating `entry` evaluates, skipping modules `alreadyLoaded` (a part loaded before it): our
 * files, the packages they import, and for each one the chain of static imports that reached it.
 */
function staticGraph(entry: string, alreadyLoaded: ReadonlySet<string> = new Set()) {
  const via = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const target of importsOf(file).statics) {
      if (via.has(target) || alreadyLoaded.has(target)) continue;
      via.set(target, [...via.get(file)!, target]);
      if (target.startsWith("src/") && target.endsWith(".ts")) queue.push(target);
    }
  }
  const modules = new Set([...via.keys()].filter((name) => name.startsWith("src/")));
  const packages = new Set([...via.keys()].filter((name) => !name.startsWith("src/")));
  const chain = (name: string) => via.get(name)?.join(" → ");
  return { modules, packages, chain, all: new Set([...alreadyLoaded, ...via.keys()]) };
}

/** Every package name a part must not evaluate, with the chain that reached it (empty when clean). */
function reached(graph: ReturnType<typeof staticGraph>, packages: readonly string[]): string[] {
  return [...graph.packages]
    .filter((name) => packages.some((pkg) => name === pkg || name.startsWith(`${pkg}/`)))
    .map((name) => graph.chain(name)!);
}

const SDK = "@modelcontextprotocol/server";
const HEAVY = [SDK, "zod", "jose", "@upstash/redis", "@upstash/ratelimit", "minimatch", "mime", "re2js", "diff"];

describe("what a cold isolate evaluates", () => {
  const startup = staticGraph("src/index.ts");

  it("reads the source tree and the loaders' dynamic imports", () => {
    expect(files.size).toBeGreaterThan(50);
    const lazy = [...files.keys()].flatMap((file) => importsOf(file).dynamics).sort();
    expect(lazy).toEqual(
      [
        "src/audit-consumer.ts",
        "src/auth/dpop-proof.ts",
        "src/auth/jwt-verifier.ts",
        "src/auth/verified-token-cache.ts",
        "src/config/config.ts",
        "src/http/mcp-pipeline.ts",
        "src/http/serve-message.ts",
        "src/operations/tree-operation-run.ts",
        "src/tools/registry.ts",
      ].sort(),
    );
  });

  it("global scope loads hono and the edge, none of the packages loaded on first use", () => {
    expect(reached(startup, HEAVY)).toEqual([]);
    expect([...startup.packages].sort()).toEqual(["cloudflare:workers", "hono"]);
    for (const lazy of [
      "src/config/config.ts",
      "src/http/mcp-pipeline.ts",
      "src/http/isolate-state.ts",
      "src/content/byte-runs.wasm",
    ]) {
      expect(startup.chain(lazy), lazy).toBeUndefined();
    }
  });

  // Each part, loaded after the ones before it: what a request that gets that far pays for the first time.
  const config = staticGraph("src/config/config.ts", startup.all);
  const pipeline = staticGraph("src/http/mcp-pipeline.ts", config.all);
  const message = staticGraph("src/http/serve-message.ts", pipeline.all);

  it("the config parser (every route's first request) loads zod, the policy schemas and minimatch, not the SDK", () => {
    expect(reached(config, [SDK, "jose", "@upstash/redis", "@upstash/ratelimit", "re2js", "diff"])).toEqual([]);
    expect(config.packages.has("zod")).toBe(true);
  });

  it("the pipeline front (authentication, limits) loads Upstash but not the SDK, nor jose beyond base64url", () => {
    expect(reached(pipeline, [SDK, "re2js", "diff", "mime"])).toEqual([]);
    expect(pipeline.packages.has("@upstash/ratelimit")).toBe(true);
    // API keys and cursors encode with jose's base64url (a few functions); verification loads on first use.
    const joseImports = [...pipeline.modules].filter((file) => importsOf(file).statics.includes("jose"));
    for (const file of joseImports) expect(files.get(file), file).toMatch(/import \{ base64url \} from "jose"/);
    for (const verifier of ["src/auth/jwt-verifier.ts", "src/auth/dpop-proof.ts", "src/auth/key-set.ts"]) {
      expect(pipeline.chain(verifier), verifier).toBeUndefined();
    }
  });

  it("the message stage loads the SDK after authentication and the body; the tools load with the registry", () => {
    expect(message.packages.has(SDK)).toBe(true);
    expect(reached(message, ["re2js", "diff"])).toEqual([]);
    expect(message.chain("src/tools/registry.ts")).toBeUndefined();
  });

  it("the scanner's WebAssembly kernel is reached, and only once a request gets past authentication", () => {
    const everything = staticGraph("src/tools/registry.ts", message.all);
    const kernel = "src/content/byte-runs.wasm";
    expect([startup, config, pipeline].map((part) => part.chain(kernel))).toEqual([undefined, undefined, undefined]);
    expect(message.chain(kernel) ?? everything.chain(kernel)).toContain("src/content/byte-runs.ts");
  });
});
