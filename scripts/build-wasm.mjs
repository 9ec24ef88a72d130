#!/usr/bin/env node
/**
 * `npm run build:wasm`: compiles src/content/byte-runs.wat to byte-runs.wasm (committed beside it, so a
 * build needs no WebAssembly toolchain). `--check` fails if the committed binary is not the source's:
 * .ci/run runs it, so the two cannot drift apart.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

const source = fileURLToPath(new URL("../src/content/byte-runs.wat", import.meta.url));
const binary = fileURLToPath(new URL("../src/content/byte-runs.wasm", import.meta.url));

const wabt = await wabtInit();
const module = wabt.parseWat("byte-runs.wat", await readFile(source, "utf8"), { simd: true });
module.validate();
const built = Buffer.from(module.toBinary({}).buffer);
module.destroy();

if (process.argv.includes("--check")) {
  const committed = await readFile(binary).catch(() => Buffer.alloc(0));
  if (!committed.equals(built)) {
    console.error("src/content/byte-runs.wasm is not built from byte-runs.wat: run npm run build:wasm and commit it");
    process.exit(1);
  }
  console.log(`byte-runs.wasm matches byte-runs.wat (${built.length} bytes)`);
} else {
  await writeFile(binary, built);
  console.log(`wrote src/content/byte-runs.wasm (${built.length} bytes)`);
}
