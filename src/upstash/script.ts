/**
 * Our own Lua scripts on an Upstash client: EVALSHA with a once-computed SHA1, falling back to EVAL when
 * the server has not seen the script. Shared by the limiter, the storage ledger and the audit detectors,
 * so neither folder depends on the other. The hot-path invariants are in src/limits/upstash-client.ts.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { hexDigest } from "../encoding/hex";

export interface Script {
  /** Resolves once the SHA1 is known; await it before issuing the commands of one request. */
  readonly ready: Promise<unknown>;
  /**
   * EVALSHA now (same tick as the caller), falling back to EVAL once when this Redis has not seen the
   * script (NOSCRIPT, e.g. after a script flush): that fallback is a second HTTP request.
   */
  run(keys: string[], args: (string | number)[]): Promise<unknown[]>;
}

export function createScript(redis: Redis, text: string): Script {
  let sha: string | undefined;
  const ready = hexDigest("SHA-1", text).then((hex) => {
    sha = hex;
  });
  return {
    ready,
    run(keys, args) {
      if (sha === undefined) return Promise.reject(new Error("script digest not ready: await `ready` first"));
      return redis.evalsha<(string | number)[], unknown[]>(sha, keys, args).catch((error: unknown) => {
        if (!String(error).includes("NOSCRIPT")) throw error;
        return redis.eval<(string | number)[], unknown[]>(text, keys, args);
      });
    },
  };
}
