/**
 * Reading V8 CPU profiles (`.cpuprofile`, as the DevTools protocol and `wrangler check startup` write
 * them) against the bundle's source map: who owns each sample, and how much active CPU went where.
 * Shared by `--startup` (the cold start) and `--profile` (a request kind under load).
 */

/**
 * A source path from the map → its owner: node_modules/@scope/name/… → "@scope/name";
 * src/auth/x.ts → "src/auth" (or "src/auth/x.ts" with `files`); anything else as is.
 */
export function ownerOfSource(source, { files = false } = {}) {
  const parts = source.split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at !== -1) return parts[at + 1]?.startsWith("@") ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const src = parts.lastIndexOf("src");
  if (src === -1) return source;
  return parts.slice(src, files ? parts.length : Math.min(parts.length - 1, src + 2)).join("/");
}

/** How many median sampling intervals one sample may count at most. */
const CLIP_INTERVALS = 3;

/**
 * Active CPU (ms, idle samples left out) and its split by owner: `self` by the sampled frame's owner,
 * `inclusive` by every src/ owner on the sampled stack (each once per sample). Frames outside the
 * bundle are the runtime's: "(runtime) <function>"; V8's own pseudo-frames keep their "(name)".
 *
 * Options:
 * - `viaCaller`: owners (e.g. "zod") whose self time is credited as "zod ← <first other bundle owner
 *   up the stack>", so the startup split shows whose schemas zod was building;
 * - `isSide(source)`: a predicate on a bundle source path; samples with any such frame on their stack
 *   are also summed into `side` (the audit queue consumer, which shares the isolate with requests).
 *   A V8 profile has no async stacks, so this catches work resumed after an await only when a frame of
 *   a side-only file is on the resumed stack: choose side-only files.
 */
export function attributeProfile(
  profile,
  map,
  { files = false, viaCaller = new Set(), isSide, bundleFile = "index.js" } = {},
) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // wrangler runs the bundle under the entry point's name (index.js for the product); node-internal:*
  // modules and the runtime's builtins are not in its source map.
  const inBundle = (frame) => Boolean(frame.url?.endsWith(bundleFile)) && frame.lineNumber >= 0;
  const sourceOf = (frame) =>
    map.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber }).source ?? undefined;
  const ownerOf = (frame) => {
    if (frame.functionName.startsWith("(")) return frame.functionName;
    if (!inBundle(frame)) return `(runtime) ${frame.functionName || "anonymous"}`;
    const source = sourceOf(frame);
    return source ? ownerOfSource(source, { files }) : "(unmapped)";
  };
  const self = new Map();
  const inclusive = new Map();
  let active = 0;
  let side = 0;
  // A sample's time is the wall-clock gap since the previous one. When the machine is loaded, the
  // isolate's thread is descheduled for whole milliseconds and the next sample would be charged the
  // wait; a gap longer than a few sampling intervals is therefore clipped (a quiet machine's profile
  // is unchanged, a loaded one stops counting time it did not run).
  const gaps = profile.timeDeltas
    .slice(1)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const clipUs = CLIP_INTERVALS * (gaps[Math.floor(gaps.length / 2)] ?? Number.POSITIVE_INFINITY);
  profile.samples.forEach((id, i) => {
    const ms = Math.min(profile.timeDeltas[i + 1] ?? 0, clipUs) / 1000;
    const frame = nodes.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") return;
    active += ms;
    let owner = ownerOf(frame);
    let credited = viaCaller.has(owner) ? undefined : owner;
    let onSide = false;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const caller = nodes.get(at).callFrame;
      if (!inBundle(caller)) continue;
      const name = ownerOf(caller);
      if (credited === undefined && name !== owner) credited = `${owner} ← ${name}`;
      if (isSide && !onSide) onSide = isSide(sourceOf(caller) ?? "");
      if (name.startsWith("src/") && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
    owner = credited ?? `${owner} ← (itself)`;
    self.set(owner, (self.get(owner) ?? 0) + ms);
    if (onSide) side += ms;
  });
  return { active, self, inclusive, side };
}
