/**
 * `npm run bench -- --hostile`: the worst input at each per-call cap, tool by tool, against the product
 * under `wrangler dev`. For each case it prints
 * - the Worker's CPU for that one call: a CPU profile through the inspector (as `--profile` takes it),
 *   started before the call is sent and stopped once the answer and its after-the-answer work are done
 *   (the least of five runs, since on a shared machine a profile also counts waits for a core),
 *   idle samples left out. Nothing in the Worker times itself (Date.now() stands still while it computes);
 * - how much longer another tenant's `tools/list` takes when it is sent while the call runs, against the
 *   same request on the idle server just before (the median of several).
 * It also says what the call answered: a result, a result cut short with a cursor, or a tool error code.
 * Never fails on time; a call that gets no answer within the client's timeout is shown as such.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { attributeProfile } from "./cpu-profile.mjs";
import { median } from "./load.mjs";
import { connectInspector, devBundleMap } from "./profile.mjs";
import { rpcRequest, toolCallRequest } from "./scenarios.mjs";

const SAMPLING_INTERVAL_US = 100;
/** Time given to the call's after-the-answer work (request line, audit events) before the profile stops. */
const SETTLE_MS = 300;
/**
 * The audit queue's consumer runs in the same isolate, up to its batch timeout (5 s, wrangler.toml)
 * after events were sent: a profile starts only this long after the last request, so it sees the call's
 * own work and not the consumer's handling of earlier requests' events.
 */
const QUIET_MS = 6_000;
/** Least time after the hostile call before the other tenant's request is sent (so the call is already running). */
const OVERLAP_DELAY_MS = 20;

const MIB = 1024 * 1024;

/** 95 alternatives `[a<c>]{999}`, each with its own class so RE2's parser cannot factor them (949 chars). */
export function alternationPattern(terms = 95) {
  // Cyrillic capitals from U+0410: one UTF-16 unit each, none of them "a".
  return Array.from({ length: terms }, (_, i) => `[a${String.fromCharCode(0x410 + i)}]{999}`).join("|");
}

/** A line of `chars` characters: runs of 998 `a`s broken by `!`, so no `[a?]{999}` ever matches. */
function brokenRunLine(chars) {
  return `${"a".repeat(998)}!`.repeat(Math.ceil(chars / 999)).slice(0, chars);
}

/** `count` distinct whitespace indentations (15 characters of space/tab, the binary digits of i). */
function distinctIndent(i) {
  return i.toString(2).padStart(15, "0").replaceAll("0", " ").replaceAll("1", "\t");
}

function linesOf(count, make) {
  return Array.from({ length: count }, (_, i) => make(i)).join("\n");
}

/**
 * The cases. `setup` stores what the case needs (with the caller's token, not measured); `args` is the
 * hostile call. Files live under hostile/ in the first tenant's sandbox.
 */
export function hostileCases({ objects }) {
  const eightMib = Array.from({ length: 2 }, (_, i) => ({
    path: `hostile/scan/big-${i}.txt`,
    content: linesOf(Math.floor((4 * MIB - 1024) / 64), (n) => `${String(n).padStart(8, "0")} ${"x".repeat(54)}`),
  }));
  const editFile = linesOf(30_000, (i) => `line ${i}`);
  const diffFile = linesOf(60_000, (i) => `row ${i} ${"y".repeat(40)}`);
  const multi = Array.from({ length: 50 }, (_, i) => ({
    path: `hostile/multi/f${i}.txt`,
    content: "m".repeat(20 * 1024), // 50 × 20 KiB: just inside the 1 MiB one call may return
  }));
  // 2^8 = 256 alternatives, the most a call may expand to.
  const braces = "{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}";
  return [
    {
      name: "search_file_contents regex, 95 alternatives × {999}, one 4,000-char line (issue)",
      files: [{ path: "hostile/regex/line-4k.txt", content: brokenRunLine(4_000) }],
      tool: "search_file_contents",
      args: { path: "hostile/regex/line-4k.txt", pattern: alternationPattern(), regex: true },
    },
    {
      name: "search_file_contents regex, same pattern, one 20,000-char line",
      files: [{ path: "hostile/regex/line-20k.txt", content: brokenRunLine(20_000) }],
      tool: "search_file_contents",
      args: { path: "hostile/regex/line-20k.txt", pattern: alternationPattern(), regex: true },
    },
    {
      name: "search_file_contents regex, small pattern over 8 MiB",
      files: eightMib,
      tool: "search_file_contents",
      args: { path: "hostile/scan", pattern: "(?i)(foo|bar|baz)[a-z]{20}q", regex: true },
    },
    {
      name: "search_file_contents literal over 8 MiB",
      files: eightMib,
      tool: "search_file_contents",
      args: { path: "hostile/scan", pattern: "not in any line" },
    },
    {
      name: "edit_file 30,000-line tolerant oldText, 150,000-line newText, dryRun (issue)",
      files: [{ path: "hostile/edit/tolerant.txt", content: editFile }],
      tool: "edit_file",
      args: {
        path: "hostile/edit/tolerant.txt",
        dryRun: true,
        edits: [
          {
            oldText: linesOf(30_000, (i) => `${distinctIndent(i)}line ${i}`),
            newText: linesOf(150_000, (i) => `  new ${i}`),
          },
        ],
      },
    },
    {
      name: "edit_file diff: every line of 30,000 changed, dryRun",
      files: [{ path: "hostile/edit/diff.txt", content: diffFile }],
      tool: "edit_file",
      args: {
        path: "hostile/edit/diff.txt",
        dryRun: true,
        edits: [
          {
            oldText: linesOf(30_000, (i) => `row ${i} ${"y".repeat(40)}`),
            newText: linesOf(30_000, (i) => (i % 2 ? `row ${i} ${"z".repeat(40)}` : `changed ${i}`)),
          },
        ],
      },
    },
    {
      name: "search_file_contents regex at the program cap (500), 100 lines at its line cap (1,199 chars)",
      files: [{ path: "hostile/regex/cap.txt", content: linesOf(100, () => `${"a".repeat(1198)}!`) }],
      tool: "search_file_contents",
      args: { path: "hostile/regex/cap.txt", pattern: "[ab]{498}", regex: true },
    },
    {
      name: "search_file_contents case-insensitive literal over 8 MiB",
      files: eightMib,
      tool: "search_file_contents",
      args: { path: "hostile/scan", pattern: "Not In Any Line", caseSensitive: false },
    },
    {
      name: "edit_file at the line caps: 5,000-line tolerant oldText, 20,000-line newText, dryRun",
      files: [{ path: "hostile/edit/caps.txt", content: linesOf(5_000, (i) => `line ${i}`) }],
      tool: "edit_file",
      args: {
        path: "hostile/edit/caps.txt",
        dryRun: true,
        edits: [
          {
            oldText: linesOf(5_000, (i) => `${distinctIndent(i)}line ${i}`),
            newText: linesOf(20_000, (i) => `  new ${i}`),
          },
        ],
      },
    },
    {
      name: "edit_file, 4 exact edits of a 4 MiB file (the matching budget), dryRun",
      files: [
        { path: "hostile/edit/big.txt", content: `${"z".repeat(4 * MIB - 4096)}\n${linesOf(4, (i) => `m${i}`)}\n` },
      ],
      tool: "edit_file",
      args: {
        path: "hostile/edit/big.txt",
        dryRun: true,
        edits: Array.from({ length: 4 }, (_, i) => ({ oldText: `m${i}\n`, newText: `M${i}\n` })),
      },
    },
    {
      name: "read_text_file, 4 MiB (the whole-read cap)",
      files: [eightMib[0]],
      tool: "read_text_file",
      args: { path: eightMib[0].path },
    },
    {
      name: "read_multiple_files, 50 files × 20 KiB",
      files: multi,
      tool: "read_multiple_files",
      args: { paths: multi.map((f) => f.path) },
    },
    {
      name: `search_files, 256 brace alternatives and 3 ** over ${objects} objects`,
      tree: objects,
      tool: "search_files",
      args: { path: "hostile/tree", pattern: `**/c*/**/${braces}/**/*.md` },
    },
    {
      name: `search_files **/*.md over ${objects} objects`,
      tree: objects,
      tool: "search_files",
      args: { path: "hostile/tree", pattern: "**/*.md" },
    },
    {
      name: `directory_tree over ${objects} objects`,
      tree: objects,
      tool: "directory_tree",
      args: { path: "hostile/tree" },
    },
    {
      name: `directory_tree over ${objects} objects, 32 exclude patterns`,
      tree: objects,
      tool: "directory_tree",
      args: {
        path: "hostile/tree",
        excludePatterns: Array.from({ length: 32 }, (_, i) => `**/x${i}{a,b,c,d,e,f,g,h}/**/*.log`),
      },
    },
  ];
}

/** What an answer was, in a few words: HTTP status, tool error code, or ok (with "partial" when it has a cursor). */
export function describeAnswer(response) {
  if (response.status !== 200) return `HTTP ${response.status}`;
  try {
    const body = JSON.parse(response.body);
    if (body.error) return `rpc ${body.error.code}`;
    const result = body.result ?? {};
    if (result.isError) {
      const text = result.content?.[0]?.text ?? "";
      return /^\[([a-z_]+)\]/.exec(text)?.[1] ?? "isError";
    }
    const structured = result.structuredContent ?? {};
    if (structured.nextCursor || structured.truncated) return "partial + cursor";
    if (typeof structured.diff === "string" && structured.diff.includes("changed lines")) return "ok (diff summarised)";
    return "ok";
  } catch {
    return "not JSON";
  }
}

async function store(client, auth, files) {
  for (const file of files) {
    const response = await client.send(toolCallRequest(auth, "write_file", file));
    if (response.status !== 200 || response.body.includes('"isError":true')) {
      throw new Error(`setting up ${file.path}: ${response.status} ${response.body.slice(0, 200)}`);
    }
  }
}

/** `objects` objects under hostile/tree: 200 written, then copied as whole directories (200 per call). */
async function storeTree(client, auth, objects) {
  const per = Math.min(200, objects);
  await store(
    client,
    auth,
    Array.from({ length: per }, (_, i) => ({ path: `hostile/tree/c0/d${i % 10}/n${i}/f${i}.md`, content: "t" })),
  );
  for (let copy = 1; copy * per < objects; copy++) {
    const response = await client.send(
      toolCallRequest(auth, "copy_file", { source: "hostile/tree/c0", destination: `hostile/tree/c${copy}` }),
    );
    if (response.status !== 200 || response.body.includes('"isError":true')) {
      throw new Error(`copying the tree: ${response.status} ${response.body.slice(0, 200)}`);
    }
  }
}

async function profileOne(inspector, send, request, map) {
  await sleep(QUIET_MS);
  await inspector.command("Profiler.start");
  const started = performance.now();
  let response;
  try {
    response = await send(request);
  } catch (error) {
    response = { status: 0, body: "", error: error instanceof Error ? error.message : String(error) };
  }
  const wallMs = performance.now() - started;
  await sleep(SETTLE_MS);
  const { profile } = await inspector.command("Profiler.stop");
  const { active, self } = attributeProfile(profile, map, { files: true });
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([owner, ms]) => `${owner} ${ms.toFixed(0)}`)
    .join(", ");
  return { response, wallMs, cpuMs: active, top };
}

async function otherTenantLatency(send, request) {
  const started = performance.now();
  const response = await send(request);
  const ms = performance.now() - started;
  if (response.status !== 200 || !response.body.includes("read_text_file")) {
    throw new Error(`the other tenant's tools/list failed: ${response.status}`);
  }
  return ms;
}

/**
 * @param {{ client: any, auth: Record<string,string>, otherAuth: Record<string,string>, inspectorPort: number,
 *   objects: number, only?: string, progress: (s: string) => void }} plan
 */
export async function runHostile({ client, auth, otherAuth, inspectorPort, cwd, objects, only, progress }) {
  const listRequest = rpcRequest(otherAuth, "tools/list", {});
  const cases = hostileCases({ objects }).filter((c) => !only || c.name.includes(only));
  const inspector = await connectInspector(inspectorPort);
  const map = await devBundleMap(cwd);
  const rows = [];
  const stored = new Set();
  try {
    await inspector.command("Profiler.enable");
    await inspector.command("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    for (let i = 0; i < 20; i++) await otherTenantLatency(client.send, listRequest); // warm
    for (const hostile of cases) {
      progress(`setting up: ${hostile.name}`);
      for (const file of hostile.files ?? []) {
        if (!stored.has(file.path)) await store(client, auth, [file]);
        stored.add(file.path);
      }
      if (hostile.tree && !stored.has("tree")) {
        await storeTree(client, auth, hostile.tree);
        stored.add("tree");
      }
      const request = toolCallRequest(auth, hostile.tool, hostile.args);
      await client.send(request); // warm: first use of the code path, caches
      progress(`measuring: ${hostile.name}`);
      const idle = [];
      for (let i = 0; i < 7; i++) idle.push(await otherTenantLatency(client.send, listRequest));
      const measured = await profileOne(inspector, client.send, request, map);
      const repeats = measured.wallMs < 2_000 ? 5 : 1;
      const profiles = [measured];
      for (let i = 1; i < repeats; i++) profiles.push(await profileOne(inspector, client.send, request, map));
      // On a shared machine a profile also counts time the isolate's thread waited for a core: the
      // least of several runs is the closest to the call's own CPU; the median is shown beside it.
      const least = profiles.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
      const during = [];
      for (let i = 0; i < repeats; i++) {
        const call = client.send(request).catch(() => undefined);
        // Sent once the call is surely running: a large body takes a while to reach the isolate.
        await sleep(Math.max(OVERLAP_DELAY_MS, measured.wallMs * 0.3));
        during.push(await otherTenantLatency(client.send, listRequest));
        await call;
      }
      const idleMs = median(idle);
      const duringMs = median(during);
      rows.push({
        name: hostile.name,
        answer: measured.response.error ? `no answer (${measured.response.error})` : describeAnswer(measured.response),
        cpuMs: least.cpuMs,
        cpuMedianMs: median(profiles.map((p) => p.cpuMs)),
        wallMs: measured.wallMs,
        idleMs,
        duringMs,
        addedMs: Math.max(0, duringMs - idleMs),
        top: least.top,
      });
    }
  } finally {
    inspector.close();
  }
  return rows;
}

export function formatHostile(rows) {
  const header = [
    "case",
    "answer",
    "Worker CPU ms least (median)",
    "call ms",
    "other tenant tools/list ms idle → during",
    "added ms",
  ];
  const body = rows.map((r) => [
    r.name,
    r.answer,
    `${r.cpuMs.toFixed(1)} (${r.cpuMedianMs.toFixed(1)})`,
    r.wallMs.toFixed(0),
    `${r.idleMs.toFixed(1)} → ${r.duringMs.toFixed(1)}`,
    r.addedMs.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...body.map(line),
    "",
    "where the call's CPU went in its least run (self ms by package or src/ file, largest first):",
    ...rows.map((r) => `  ${r.name}: ${r.top}`),
  ].join("\n");
}
