/**
 * The sensitive-data scanner inside workerd, for `npm run bench -- --dlp` (bench/lib/dlp.mjs): the
 * product's own `scanText` over texts built once per isolate, and the labelled corpus scored here, so
 * the figures are workerd's (V8 as deployed), not Node's. Only ever run locally by the benchmark.
 *
 *   GET /scan?input=<name>&reps=<n>   scan input <name> n times (0: only the request), answer the count
 *   GET /corpus                        precision and recall per category over the corpus
 */
import { scanText } from "../src/content/scan";
import { buildCorpus, scoreCorpus } from "../test/fixtures/dlp/corpus";

const MIB = 1024 * 1024;
const SIZE = 4 * MIB;

function repeatTo(unit: string, size: number): string {
  // Flattened once (a rope of repeats would be flattened on first use, inside the timed scan).
  return unit
    .repeat(Math.ceil(size / unit.length))
    .slice(0, size)
    .split("")
    .join("");
}

const BUILDERS: Record<string, () => string> = {
  // The corpus's documents, secrets and negatives alike, repeated to 4 MiB: a realistic mix.
  mixed: () =>
    repeatTo(
      buildCorpus()
        .map((document) => document.text)
        .join("\n"),
      SIZE,
    ),
  // Negatives only (lockfiles, minified JS, base64 images, hashes, lorem…): what most files look like.
  negatives: () =>
    repeatTo(
      buildCorpus()
        .filter((document) => document.name.startsWith("negative:"))
        .map((document) => document.text)
        .join("\n"),
      SIZE,
    ),
  "hostile: prefix storm": () => repeatTo("eyJ", SIZE),
  "hostile: token prefixes": () => repeatTo("ghp_npm_sk-xoxb-r2mcp_glpat-AKIA", SIZE),
  "hostile: pem headers": () => repeatTo("-----BEGIN RSA PRIVATE KEY-----\n", SIZE),
  "hostile: at signs": () => repeatTo("a@", SIZE),
  "hostile: grouped digits": () => repeatTo("4111 ", SIZE),
  "hostile: plus signs": () => repeatTo("+1 ", SIZE),
  "hostile: assignments": () => repeatTo("password=", SIZE),
  "hostile: key ids with secrets": () =>
    repeatTo("AKIAABCDEFGHIJKLMNOP aB3dEfGhIjKlMnOpQrStUvWxYz0123456789+/Ab ", SIZE),
};

const texts = new Map<string, string>();

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/healthz") return new Response("ok");
    if (url.pathname === "/inputs") return Response.json(Object.keys(BUILDERS));
    if (url.pathname === "/corpus") {
      const documents = buildCorpus({ positives: 100, negatives: 40 });
      const score = scoreCorpus(documents, (text) => scanText(text));
      return Response.json({
        documents: documents.length,
        bytes: score.bytes,
        byCategory: score.byCategory,
        missed: score.missed.length,
        spurious: score.spurious.length,
      });
    }
    if (url.pathname === "/scan") {
      const name = url.searchParams.get("input") ?? "mixed";
      const build = BUILDERS[name];
      if (!build) return new Response("unknown input", { status: 404 });
      let text = texts.get(name);
      if (text === undefined) {
        text = build();
        texts.set(name, text);
      }
      const reps = Number(url.searchParams.get("reps") ?? "1");
      let findings = 0;
      for (let rep = 0; rep < reps; rep++) findings = scanText(text).length;
      return Response.json({ bytes: text.length, findings });
    }
    return new Response("not found", { status: 404 });
  },
};
