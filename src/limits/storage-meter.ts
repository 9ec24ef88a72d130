/**
 * `StorageMeter` (the sandbox's seam, src/sandbox/sandbox.ts) over a `StorageLedger`: one tenant's
 * live bytes against QUOTA_STORAGE_BYTES.
 *
 * - A write's growth was usually reserved already, as an upper bound, by the request's limit check
 *   (the same Upstash round trip; request-limits.ts). Growth is spent from that reservation first, with
 *   no round trip; only growth beyond it (or with no reservation: the bound did not fit, or the tool
 *   declares none) is an atomic check-and-add in the ledger, refused with `quota_exceeded` before any
 *   byte is stored and recording nothing. Ledger down → 503 (invariant 5).
 * - Shrinking (deletes to trash, smaller overwrites, a failed write handing its growth back) is never
 *   refused and needs no answer: it is credited locally and released, together with the unspent rest
 *   of the reservation, by `settle()` after the response (ctx.waitUntil). If the ledger is down then,
 *   the release is lost and logged as a degraded decision: the figure errs high (the tenant may hit
 *   the quota early), never low. Until it settles, the counter is high by at most the reservation.
 * - Restore from trash (sandbox-trash.ts) is one `adjust(+size)` per file before its copy back, handed
 *   back with `adjust(-size)` if the copy does not land; trash never counts.
 */
import type { RequestLog } from "../audit/audit-log";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import type { StorageMeter } from "../sandbox/sandbox";
import { LimiterUnavailableError, type StorageLedger } from "./limiter";

export interface SettlingStorageMeter extends StorageMeter {
  /** Hands back every byte counted but not used (an outage is logged, not thrown); run it after the response. */
  settle(): Promise<void>;
}

export function createStorageMeter(
  ledger: StorageLedger,
  key: string,
  limitBytes: number,
  log: RequestLog,
  reservedBytes = 0,
): SettlingStorageMeter {
  // Bytes the ledger counts for this request but no stored object uses (yet).
  let spare = Math.max(0, Math.trunc(reservedBytes));
  return {
    async adjust(deltaBytes: number): Promise<void> {
      const delta = Math.trunc(deltaBytes);
      if (delta === 0) return;
      if (delta < 0) {
        spare -= delta;
        return;
      }
      if (delta <= spare) {
        spare -= delta;
        return;
      }
      const needed = delta - spare;
      let result: { ok: boolean; used: number };
      try {
        result = await ledger.adjust(key, needed, limitBytes);
      } catch (error) {
        if (!(error instanceof LimiterUnavailableError)) throw error;
        log.security({ type: "degraded_decision", reason: "storage_reserve_refused" });
        throw new DependencyUnavailableError("upstash", { cause: error });
      }
      if (!result.ok) {
        throw new ToolError(
          "quota_exceeded",
          `Storage quota exceeded: this needs ${delta} more bytes, but ${result.used - spare} of ${limitBytes} bytes are in use. ` +
            "Nothing was written, and writing it in parts (append_file) needs the same space. Delete files to free " +
            "space (files in the trash do not count).",
          { quota: "storage", limit: limitBytes, used: result.used - spare },
        );
      }
      spare = 0;
    },
    async settle(): Promise<void> {
      const release = spare;
      spare = 0;
      if (release === 0) return;
      try {
        await ledger.adjust(key, -release, limitBytes);
      } catch (error) {
        if (!(error instanceof LimiterUnavailableError)) throw error;
        log.security({ type: "degraded_decision", reason: "storage_release_lost" });
      }
    },
  };
}
