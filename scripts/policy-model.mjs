/**
 * `npm run test:policy-model -- [--runs N] [--seed S] [--path P] [--survey]`
 *
 * Runs the model-based policy test (test/model/policy-model.test.ts, vitest project `policy-model`) with
 * more sequences than `npm test` does, or replays one: fast-check prints `seed` and `path` for a failure,
 * and `--seed S --path P` runs exactly that counterexample again. `--survey` runs N sequences without
 * stopping or shrinking and prints every violation found, grouped by tool and invariant.
 */
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const USAGE = "usage: npm run test:policy-model -- [--runs N] [--seed S] [--path P] [--survey]";

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      runs: { type: "string" },
      seed: { type: "string" },
      path: { type: "string" },
      survey: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const name of ["runs", "seed"]) {
  if (options[name] !== undefined && !/^-?\d+$/.test(options[name])) {
    console.error(`--${name} must be a whole number\n${USAGE}`);
    process.exit(2);
  }
}
if (options.runs !== undefined && Number(options.runs) < 1) {
  console.error(`--runs must be at least 1\n${USAGE}`);
  process.exit(2);
}

const env = {
  ...process.env,
  POLICY_MODEL_RUNS: options.runs ?? "",
  POLICY_MODEL_SEED: options.seed ?? "",
  POLICY_MODEL_PATH: options.path ?? "",
  POLICY_MODEL_SURVEY: options.survey ? "1" : "",
};
if (!options.survey) {
  const result = spawnSync("vitest", ["run", "--project", "policy-model"], { stdio: "inherit", env });
  process.exit(result.status ?? 1);
}

// A survey prints its summary on the console: show the run's console without the Worker's request log.
const survey = spawn("vitest", ["run", "--project", "policy-model", "--silent=false"], {
  stdio: ["ignore", "pipe", "pipe"],
  env: { ...env, NO_COLOR: "1" },
});
const workerLog = (line) =>
  line.startsWith('{"kind":') || /^(stdout|stderr) \|/.test(line) || line.startsWith("WARNING: UPSTASH");
for (const [stream, write] of [
  [survey.stdout, (line) => console.log(line)],
  [survey.stderr, (line) => console.error(line)],
]) {
  createInterface({ input: stream }).on("line", (line) => {
    if (!workerLog(line)) write(line);
  });
}
survey.on("close", (code) => process.exit(code ?? 1));
