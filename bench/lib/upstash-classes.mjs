/**
 * The class of one HTTP request to Upstash, from the commands it carries (not from when it arrived:
 * deferred work starts as the answer leaves and can reach the bridge before the client has read it).
 * - "settlement": the limiter's SETTLE script (refunds, strikes), or the STORAGE script with a
 *   negative delta (the unused rest of a write's reservation, a delete's freed bytes): sent only
 *   after the answer, in ctx.waitUntil;
 * - "audit": only `audit:` keys, the audit queue consumer's detectors (per queue batch, not per request);
 * - "requestPath": everything else, what the answer waits for.
 *
 * @param {readonly string[][]} commands one HTTP request's commands (a single command as a list of one)
 * @param {{ settleSha: string, storageSha: string, sha1: (text: string) => string }} scripts
 * @returns {"settlement" | "audit" | "requestPath"}
 */
export function classifyUpstashRequest(commands, { settleSha, storageSha, sha1 }) {
  const shaOf = (argv) => {
    const name = argv[0].toLowerCase();
    // EVAL carries the source: the client's fallback when Redis has not seen the script yet.
    return name === "evalsha" ? argv[1] : name === "eval" ? sha1(argv[1]) : undefined;
  };
  const settles = (argv) => {
    const sha = shaOf(argv);
    if (sha === settleSha) return true;
    // STORAGE: KEYS = [storage key], ARGV = [delta, limit]; only a release is negative.
    return sha === storageSha && Number(argv[4]) < 0;
  };
  if (commands.some(settles)) return "settlement";
  const keysOf = (argv) => (shaOf(argv) !== undefined ? argv.slice(3, 3 + Number(argv[2])) : argv.slice(1, 2));
  const keys = commands.flatMap(keysOf);
  if (keys.length > 0 && keys.every((key) => String(key).startsWith("audit:"))) return "audit";
  return "requestPath";
}
