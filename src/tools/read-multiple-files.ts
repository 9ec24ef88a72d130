/**
 * `read_multiple_files`: the reference server's tool (paths). One result per path, in the order given;
 * a path that cannot be read (missing, a directory, not text, too large, refused) gets its own error
 * and does not fail the others; when no file was read and one was refused only for the login (a step-up
 * rule), the call fails on that refusal instead, which a single POST answers with the step-up challenge. An R2 outage does fail the whole call (503): that is not a fact about
 * one file, and the caller should retry rather than read it as "missing".
 *
 * Bounded: at most MAX_MULTI_READ_PATHS paths, MULTI_READ_CONCURRENCY reads in flight, and
 * MAX_MULTI_READ_TOTAL_BYTES for all files together; a file that would take the total past it is
 * reported as too large (its size is known from R2's metadata before its body is read).
 */
import * as z from "zod";
import { ToolError } from "../errors/tool-error";
import {
  MAX_MULTI_READ_PATHS,
  MAX_MULTI_READ_TOTAL_BYTES,
  MAX_TEXT_READ_BYTES,
  MULTI_READ_CONCURRENCY,
} from "../files/limits";
import { formatBytes, readInPages } from "../files/size-advice";
import { StepUpRequiredError } from "../policy/step-up-required";
import type { ContentRecord, Sandbox } from "../sandbox/sandbox";
import { PathRefusedError } from "../sandbox/sandbox-path";
import { contentMeta, withMeta } from "./content-meta";
import { pathField } from "./schemas";
import { tooLargeToRead } from "./text-read";
import { touch } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

const resultSchema = z.object({
  path: z.string().describe("Canonical (/a/b), or paths[i] for a path that was refused"),
  content: z.string().optional().describe("The file's text, when it was read"),
  error: z.object({ code: z.string(), message: z.string() }).optional().describe("Why this file was not read"),
});
type FileResult = z.infer<typeof resultSchema>;

async function readOne(
  sandbox: Sandbox,
  raw: string,
  index: number,
  budget: { left: number },
  records: ContentRecord[],
  stepUps: StepUpRequiredError[],
): Promise<FileResult> {
  // A path we refused is named by its position, not echoed back.
  let display = `paths[${index}]`;
  try {
    const path = sandbox.resolve(raw, "paths", { allowRoot: false });
    display = path.display;
    // Each file is the caller's redacted view (src/sandbox/sandbox-content.ts), as read_text_file shows it.
    const info = await sandbox.requireFile(path);
    if (info.size > MAX_TEXT_READ_BYTES) {
      throw tooLargeToRead(path, info.size, MAX_TEXT_READ_BYTES, readInPages());
    }
    if (info.size > budget.left) {
      throw tooLargeToRead(
        path,
        info.size,
        budget.left,
        `All files of one call share ${formatBytes(MAX_MULTI_READ_TOTAL_BYTES)}; read it separately. ${readInPages()}`,
      );
    }
    budget.left -= info.size; // reserved synchronously after the size is known, so parallel reads cannot overshoot
    const content = await sandbox.readText(path, MAX_TEXT_READ_BYTES, readInPages());
    records.push(content.record);
    return { path: display, content: content.shown };
  } catch (error) {
    if (error instanceof StepUpRequiredError) stepUps.push(error);
    if (error instanceof ToolError) return { path: display, error: { code: error.code, message: error.message } };
    throw error;
  }
}

export const readMultipleFiles = defineTool({
  name: "read_multiple_files",
  title: "Read multiple files",
  description:
    "Read several UTF-8 text files at once; more efficient than reading them one by one. Each file's content is shown " +
    "under its path; a file that cannot be read gets its own error and does not stop the others. " +
    `At most ${MAX_MULTI_READ_PATHS} paths and ${MAX_MULTI_READ_TOTAL_BYTES} bytes in total per call.`,
  scope: "files:read",
  input: z.object({ paths: z.array(pathField).min(1).max(MAX_MULTI_READ_PATHS) }),
  output: z.object({ files: z.array(resultSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  cost: ({ paths }) => ({ units: paths.length }),
  actions: ["read"],
  // A path the sandbox refuses gets its own per-file error from run (without touching R2), so it is
  // left out here rather than failing the whole call.
  access: ({ paths }) =>
    paths.flatMap((path) => {
      try {
        return [touch("read", path, "paths", { allowRoot: false })];
      } catch (error) {
        if (error instanceof PathRefusedError) return [];
        throw error;
      }
    }),
  async run({ paths }, { sandbox }) {
    const results: FileResult[] = new Array(paths.length);
    const budget = { left: MAX_MULTI_READ_TOTAL_BYTES };
    const records: ContentRecord[] = [];
    const stepUps: StepUpRequiredError[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < paths.length) {
        const index = next++;
        results[index] = await readOne(sandbox, paths[index]!, index, budget, records, stepUps);
      }
    };
    await Promise.all(Array.from({ length: Math.min(MULTI_READ_CONCURRENCY, paths.length) }, worker));
    // No file was read and a fresher (or stronger) login would read one: the whole call fails on that
    // refusal, so a single POST gets the HTTP step-up challenge (docs/policy.md) and the client signs in
    // again; the retry reports every file. With any content read, each file keeps its own answer.
    const [stepUp] = stepUps;
    if (stepUp && results.every((result) => result.error !== undefined)) throw stepUp;
    // The reference's layout: "path:\ncontent\n" blocks, or "path: Error - message", separated by "---".
    const text = results
      .map((result) =>
        result.error
          ? `${result.path}: Error - [${result.error.code}] ${result.error.message}`
          : `${result.path}:\n${result.content}\n`,
      )
      .join("\n---\n");
    return withMeta(textResult(text, { files: results }), contentMeta(records));
  },
});
