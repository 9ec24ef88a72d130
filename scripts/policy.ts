/**
 * `npm run policy -- check <file> [--path p]... [--auth-age s] [--acr v] [--certificate] [--bytes n]`
 *
 * Validates an ACCESS_POLICY document exactly as the server will (same parser, same glob matcher) and
 * prints what it would decide for each declared role and for a caller without roles, on sample paths
 * (or the --path ones). Exit 0 when valid, 1 when not (the problem on stderr), 2 on a usage error.
 * `-` reads the document from stdin.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parsePolicy } from "../src/policy/policy";
import { DEFAULT_SAMPLE_PATHS, reportDecisions, summarizePolicy } from "../src/policy/policy-report";
import { parseSandboxPath } from "../src/sandbox/sandbox-path";

const USAGE =
  "usage: npm run policy -- check <file|-> [--path notes.md]... [--auth-age 10] [--acr urn:mfa] [--certificate] [--bytes 1024]";

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      path: { type: "string", multiple: true },
      "auth-age": { type: "string", default: "10" },
      acr: { type: "string" },
      certificate: { type: "boolean", default: false },
      bytes: { type: "string", default: "1024" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
}
const { values, positionals } = parsed;
if (values.help) fail(USAGE, 0);
const [command, file] = positionals;
if (command !== "check" || file === undefined || positionals.length > 2) fail(USAGE, 2);

const whole = (name: string, raw: unknown): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number`, 2);
  return value;
};

let text: string;
try {
  text = readFileSync(file === "-" ? 0 : file, "utf8");
} catch (error) {
  fail(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`, 2);
}

const result = parsePolicy(text);
if (!result.ok) fail(`ACCESS_POLICY ${result.problem}`, 1);

const paths = ((values.path as string[] | undefined) ?? DEFAULT_SAMPLE_PATHS).map((raw) => {
  try {
    return parseSandboxPath(raw, "--path").relative;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 2);
  }
});

console.log(summarizePolicy(result.policy));
const lines = reportDecisions(
  result.policy,
  {
    paths,
    authAgeSeconds: whole("auth-age", values["auth-age"]),
    acr: values.acr as string | undefined,
    certificateVerified: values.certificate === true,
    writeBytes: whole("bytes", values.bytes),
  },
  Math.floor(Date.now() / 1000),
);
console.log(lines.join("\n"));
