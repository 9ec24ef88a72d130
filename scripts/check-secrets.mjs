#!/usr/bin/env node
/**
 * Secret scan of the tracked tree (`npm run secrets`): secretlint's recommended rules plus our own
 * (.secretlintrc.json: the API key format `r2mcp_<keyId16>_<secret32+>`, and local secrets files).
 *
 * 1. Self-test first: a freshly generated fake API key, fed on stdin, must be reported. A gate that
 *    stopped recognising our key format (a broken pattern, a renamed rule) fails here, loudly, instead
 *    of passing every tree. The fake key is made at run time, so no key-shaped string is committed.
 * 2. Then every file `git ls-files` lists (tracked files only, literal paths, .gitignore NOT applied:
 *    a force-added `.dev.vars` is exactly what we want to catch). Findings are masked in the output.
 * Exit code: 0 clean, 1 findings or a failed self-test, 2 could not run.
 */
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const secretlint = join(root, "node_modules", "secretlint", "bin", "secretlint.js");
const common = ["--secretlintrc", join(root, ".secretlintrc.json"), "--no-color", "--no-terminalLink"];

function run(args, input) {
  return spawnSync(process.execPath, [secretlint, ...common, ...args], {
    cwd: root,
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomText = (length) => Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");

// 1. The rule must catch our key format.
const fakeKey = ["r2mcp", randomText(16), randomText(40)].join("_");
const selfTest = run(["--stdinFileName", "fixture.ts"], `const key = "${fakeKey}";\n`);
const caught = selfTest.status === 1 && selfTest.stdout.includes("@secretlint/secretlint-rule-pattern");
if (!caught) {
  console.error("secret scan self-test FAILED: a generated r2mcp_ API key was not reported");
  console.error(selfTest.stderr || selfTest.stdout);
  process.exit(1);
}
if (selfTest.stdout.includes(fakeKey)) {
  console.error("secret scan self-test FAILED: the finding was not masked");
  process.exit(1);
}
console.log("secret scan self-test: a generated r2mcp_ API key is reported (masked)");

// 2. The tracked tree.
const listed = spawnSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" });
if (listed.status !== 0) {
  console.error(`secret scan: git ls-files failed (${listed.stderr.trim() || listed.error})`);
  process.exit(2);
}
const files = listed.stdout.split("\0").filter((file) => file !== "" && existsSync(join(root, file)));
const scan = run(["--no-glob", "--no-gitignore", ...files]);
process.stdout.write(scan.stdout);
process.stderr.write(scan.stderr);
if (scan.status === 0) console.log(`secret scan: ${files.length} tracked files, no findings`);
process.exit(scan.status ?? 2);
