/**
 * The storage meter over a reservation made by the limit check: growth is spent from it without a
 * ledger call, only growth beyond it asks the ledger (exact, refused over the quota), releases wait
 * for `settle()`, and an outage at settle time is logged and errs high. Also: the in-memory limiter
 * reserves only for a request it admitted, and only what fits.
 */
import { describe, expect, it } from "vitest";
import { createRequestLog } from "../../src/audit/audit-log";
import { ToolError } from "../../src/errors/tool-error";
import { LimiterUnavailableError, type StorageLedger } from "../../src/limits/limiter";
import { createMemoryLimiter, createMemoryStorageLedger } from "../../src/limits/memory-limiter";
import { createStorageMeter } from "../../src/limits/storage-meter";

const KEY = "r2mcp:v1:storage:t";
const THROTTLE = { baseMs: 1_000, maxMs: 8_000, strikeMemoryMs: 60_000 };

function countingLedger(inner: StorageLedger = createMemoryStorageLedger()) {
  const calls: number[] = [];
  let down = false;
  const ledger: StorageLedger = {
    async adjust(key, delta, limit) {
      calls.push(delta);
      if (down) throw new LimiterUnavailableError("error");
      return inner.adjust(key, delta, limit);
    },
    used: (key) => inner.used(key),
  };
  return { ledger, calls, inner, goDown: () => (down = true) };
}

function logLines() {
  const lines: string[] = [];
  const log = createRequestLog("req", Date.now, (line) => lines.push(line));
  return { log, lines };
}

describe("storage meter with a reservation", () => {
  it("spends growth from the reservation with no ledger call and hands the rest back at settle", async () => {
    const { ledger, calls, inner } = countingLedger();
    await inner.adjust(KEY, 4096, 10_000); // what the limit check reserved
    calls.length = 0;
    const meter = createStorageMeter(ledger, KEY, 10_000, logLines().log, 4096);
    await meter.adjust(1000);
    expect(calls).toEqual([]);
    await meter.settle();
    expect(calls).toEqual([-3096]);
    expect(await inner.used(KEY)).toBe(1000);
    await meter.settle(); // nothing left: no second release
    expect(calls).toEqual([-3096]);
  });

  it("asks the ledger only for growth beyond the reservation, and refuses over the quota with true usage", async () => {
    const { ledger, calls, inner } = countingLedger();
    await inner.adjust(KEY, 9_000, 10_000); // 8,900 stored + 100 reserved
    calls.length = 0;
    const meter = createStorageMeter(ledger, KEY, 10_000, logLines().log, 100);
    const refusal = await meter.adjust(2_000).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ToolError);
    expect((refusal as ToolError).code).toBe("quota_exceeded");
    expect((refusal as ToolError).details).toMatchObject({ quota: "storage", used: 8_900 });
    expect(calls).toEqual([1_900]);
    await meter.adjust(500);
    expect(calls).toEqual([1_900, 400]);
    expect(await inner.used(KEY)).toBe(9_400);
  });

  it("credits shrinking locally and releases it only at settle", async () => {
    const { ledger, calls, inner } = countingLedger();
    await inner.adjust(KEY, 5_000, 10_000);
    calls.length = 0;
    const meter = createStorageMeter(ledger, KEY, 10_000, logLines().log);
    await meter.adjust(-3_000); // a delete
    await meter.adjust(1_000); // then growth: paid from the freed bytes
    expect(calls).toEqual([]);
    await meter.settle();
    expect(calls).toEqual([-2_000]);
    expect(await inner.used(KEY)).toBe(3_000);
  });

  it("an outage at settle is logged as a lost release and errs high; an outage on growth is a 503 cause", async () => {
    const { ledger, inner, goDown } = countingLedger();
    await inner.adjust(KEY, 700, 10_000);
    const { log, lines } = logLines();
    const meter = createStorageMeter(ledger, KEY, 10_000, log, 700);
    goDown();
    await expect(meter.settle()).resolves.toBeUndefined();
    expect(await inner.used(KEY)).toBe(700);
    await expect(meter.adjust(1)).rejects.toMatchObject({ name: "DependencyUnavailableError" });
    log.finish(200, "POST", "/mcp");
    expect(JSON.parse(lines[0]!).security).toEqual([
      { type: "degraded_decision", reason: "storage_release_lost" },
      { type: "degraded_decision", reason: "storage_reserve_refused" },
    ]);
  });
});

describe("in-memory limiter reservations", () => {
  const policy = { limit: 2, windowMs: 60_000 };
  const request = (now: number, reserveBytes: number, quotaLimit = 10) => ({
    windows: [{ key: "r2mcp:v1:rl:sub:x", request: { policy, units: 1 } }],
    quotas: [{ key: "q", request: { name: "writes" as const, limit: quotaLimit, amount: 1 } }],
    quotaExpiresAt: now + 86_400_000,
    storage: { key: KEY, limit: 1_000, reserveBytes },
    now,
  });

  it("reserves for an admitted request only, and only what fits", async () => {
    const ledger = createMemoryStorageLedger();
    const limiter = createMemoryLimiter(THROTTLE, ledger);
    const now = 1_700_000_000_000;
    expect((await limiter.check(request(now, 600))).storageReserved).toBe(600);
    expect((await limiter.check(request(now + 1, 600))).storageReserved).toBe(0); // 1,200 > 1,000
    expect(await ledger.used(KEY)).toBe(600);
    const refused = await limiter.check(request(now + 2, 100)); // third request in the window: denied
    expect(refused.windows[0]!.status).toBe("denied");
    expect(refused.storageReserved ?? 0).toBe(0);
    const overQuota = await createMemoryLimiter(THROTTLE, ledger).check(request(now, 100, 0));
    expect(overQuota.quotas[0]!.refused).toBe(true);
    expect(overQuota.storageReserved ?? 0).toBe(0);
    expect(await ledger.used(KEY)).toBe(600);
  });
});
