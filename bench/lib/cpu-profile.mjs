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

/**
 * Active CPU (ms, idle samples left out) and its split by owner: `self` by the sampled frame's owner,
 * `inclusive` by every src/ owner on the sampled stack (each once per sample). Frames outside the
 * bundle are the runtime's: "(runtime) <function>"; V8's own pseudo-frames keep their "(name)".
 */
export function attributeProfile(profile, map, { files = false } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Both wrangler dev and `wrangler check startup` run the bundle as index.js; node-internal:* modules
  // and the runtime's builtins are not in its source map.
  const inBundle = (frame) => Boolean(frame.url?.endsWith("index.js")) && frame.lineNumber >= 0;
  const ownerOf = (frame) => {
    if (frame.functionName.startsWith("(")) return frame.functionName;
    if (!inBundle(frame)) return `(runtime) ${frame.functionName || "anonymous"}`;
    const position = map.originalPositionFor({ line: frame.lineNumber + 1, column: frame.columnNumber });
    return position.source ? ownerOfSource(position.source, { files }) : "(unmapped)";
  };
  const self = new Map();
  const inclusive = new Map();
  let active = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = nodes.get(id)?.callFrame;
    if (!frame || frame.functionName === "(idle)") return;
    active += ms;
    const owner = ownerOf(frame);
    self.set(owner, (self.get(owner) ?? 0) + ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parents.get(at)) {
      const caller = nodes.get(at).callFrame;
      if (!inBundle(caller)) continue;
      const name = ownerOf(caller);
      if (name.startsWith("src/") && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  });
  return { active, self, inclusive };
}
