/** `npm run docs:policy-table`: regenerates the tool table of docs/policy.md from the registry. */
import { readFileSync, writeFileSync } from "node:fs";
import { withToolTable } from "./lib/policy-tool-table";

const path = new URL("../docs/policy.md", import.meta.url);
writeFileSync(path, withToolTable(readFileSync(path, "utf8")));
console.log("docs/policy.md: tool table regenerated");
