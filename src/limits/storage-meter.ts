/**
 * `StorageMeter` (the sandbox's seam, src/sandbox/sandbox.ts) over a `StorageLedger`: one tenant's
 * live bytes against QUOTA_STORAGE_BYTES.
 *
 * - Growth (`adjust(+n)`) is an atomic check-and-add in the ledger; over the quota it is refused with
 *   `quota_exceeded` before any byte is stored, and nothing is recorded. Ledger down → 503 (invariant 5).
 * - Shrinking (`adjust(-n)`: deletes to trash, smaller overwrites, handed-back reservations) is never
 *   refused. If the ledger is down then, the release is lost, logged as a degraded decision, and the
 *   call still succeeds: the figure errs high (the tenant may hit the quota early), never low.
 * - Restore from trash (sandbox-trash.ts) is one `adjust(+size)` per file before its copy back, handed
 *   back with `adjust(-size)` if the copy does not land; trash never counts.
 */
import type { RequestLog } from "../audit/audit-log";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import type { StorageMeter } from "../sandbox/sandbox";
import { LimiterUnavailableError, type StorageLedger } from "./limiter";

export function createStorageMeter(
  ledger: StorageLedger,
  key: string,
  limitBytes: number,
  log: RequestLog,
): StorageMeter {
  return {
    async adjust(deltaBytes: number): Promise<void> {
      const delta = Math.trunc(deltaBytes);
      if (delta === 0) return;
      let result: { ok: boolean; used: number };
      try {
        result = await ledger.adjust(key, delta, limitBytes);
      } catch (error) {
        if (!(error instanceof LimiterUnavailableError)) throw error;
        if (delta < 0) {
          log.security({ type: "degraded_decision", reason: "storage_release_lost" });
          return;
        }
        log.security({ type: "degraded_decision", reason: "storage_reserve_refused" });
        throw new DependencyUnavailableError("upstash", { cause: error });
      }
      if (!result.ok) {
        throw new ToolError(
          "quota_exceeded",
          `Storage quota exceeded: this needs ${delta} more bytes, but ${result.used} of ${limitBytes} bytes are in use. ` +
            "Nothing was written. Delete files to free space (files in the trash do not count).",
          { quota: "storage", limit: limitBytes, used: result.used },
        );
      }
    },
  };
}
