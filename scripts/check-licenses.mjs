#!/usr/bin/env node
/**
 * License allow-list for production dependencies (`npm run licenses`): every package `npm ls --omit=dev`
 * installs (what wrangler bundles into the Worker) must declare an SPDX license expression that the
 * allow-list satisfies (`A OR B` needs one of them, `A AND B` both; spdx-satisfies). A package with no
 * license, `UNLICENSED`, `SEE LICENSE IN …` or anything else not listed fails the gate: adding a license
 * to the list is a decision to make in review (docs/ci.md), not something a dependency bump does.
 * Offline: reads the installed tree only.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import satisfies from "spdx-satisfies";

/** Permissive licenses that ask for nothing beyond keeping their notice. */
export const ALLOWED = [
  "MIT",
  "MIT-0",
  "Apache-2.0",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "ISC",
  "0BSD",
  "BlueOak-1.0.0",
  "CC0-1.0",
  "Unlicense",
];

/** The SPDX expression a package.json declares, from `license` or the legacy `licenses` array. */
function declaredLicense(manifest) {
  if (typeof manifest.license === "string") return manifest.license;
  if (manifest.license && typeof manifest.license.type === "string") return manifest.license.type;
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0) {
    const types = manifest.licenses.map((entry) => (typeof entry === "string" ? entry : entry?.type));
    if (types.every((type) => typeof type === "string")) return `(${types.join(" OR ")})`;
  }
  return undefined;
}

function allowed(expression) {
  try {
    return satisfies(expression, ALLOWED);
  } catch {
    return false; // not a valid SPDX expression
  }
}

const paths = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
  encoding: "utf8",
  maxBuffer: 64 * 1024 * 1024,
})
  .split("\n")
  .filter(Boolean)
  .slice(1); // the first line is this project

const seen = new Map();
for (const path of paths) {
  const manifest = JSON.parse(readFileSync(join(path, "package.json"), "utf8"));
  seen.set(`${manifest.name}@${manifest.version}`, declaredLicense(manifest));
}
if (seen.size === 0) {
  console.error("license check: npm ls listed no production dependencies; refusing to pass an empty check");
  process.exit(2);
}

const refused = [...seen].filter(([, license]) => license === undefined || !allowed(license));
const counts = new Map();
for (const license of seen.values()) counts.set(license, (counts.get(license) ?? 0) + 1);
console.log(
  `license check: ${seen.size} production packages: ${[...counts].map(([license, n]) => `${license} ${n}`).join(", ")}`,
);
if (refused.length > 0) {
  console.error(`license check FAILED: not on the allow-list (${ALLOWED.join(", ")}):`);
  for (const [name, license] of refused) console.error(`  ${name}: ${license ?? "no license declared"}`);
  process.exit(1);
}
