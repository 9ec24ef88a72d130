import { describe, expect, it } from "vitest";
import {
  CONFIRMATION_TTL_SECONDS,
  type ConfirmationBinding,
  hashArguments,
  hashSummary,
  importConfirmationKey,
  openConfirmation,
  sealConfirmation,
} from "../../../src/policy/confirmation";

const NOW = 1_800_000_000;
const SECRET = "a-test-secret-that-is-long-enough-0123456789";

async function binding(overrides: Partial<ConfirmationBinding> = {}): Promise<ConfirmationBinding> {
  return {
    tenant: "t1",
    subject: "alice",
    clientId: "agent",
    tool: "empty_trash",
    argumentsHash: await hashArguments({ trashIds: ["a", "b"] }),
    rule: "confirm-purge",
    ...overrides,
  };
}

describe("confirmation request state", () => {
  it("round-trips for the same call, with the summary's hash", async () => {
    const key = await importConfirmationKey(SECRET);
    const state = await sealConfirmation(key, await binding(), "Permanently delete 2 items?", NOW);
    expect(state).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const opened = await openConfirmation(key, state, await binding(), NOW + 10);
    expect(opened).toMatchObject({
      ok: true,
      claims: { summaryHash: await hashSummary("Permanently delete 2 items?") },
    });
  });

  it("hashes arguments independently of key order, but not of values", async () => {
    expect(await hashArguments({ a: 1, b: [1, 2] })).toBe(await hashArguments({ b: [1, 2], a: 1 }));
    expect(await hashArguments({ a: 1, b: [1, 2] })).not.toBe(await hashArguments({ a: 1, b: [2, 1] }));
  });

  it.each<[string, Partial<ConfirmationBinding>]>([
    ["other arguments", { argumentsHash: "0".repeat(64) }],
    ["another tool", { tool: "delete_file" }],
    ["another tenant", { tenant: "t2" }],
    ["another subject", { subject: "mallory" }],
    ["another client", { clientId: "other-agent" }],
    ["another rule", { rule: "x" }],
  ])("refuses a state replayed for %s", async (_name, change) => {
    const key = await importConfirmationKey(SECRET);
    const state = await sealConfirmation(key, await binding(), "s", NOW);
    expect(await openConfirmation(key, state, await binding(change), NOW)).toEqual({ ok: false, reason: "other_call" });
  });

  it("refuses an expired state, a forged one, and garbage", async () => {
    const key = await importConfirmationKey(SECRET);
    const other = await importConfirmationKey(`${SECRET}-other`);
    const state = await sealConfirmation(key, await binding(), "s", NOW);
    expect(await openConfirmation(key, state, await binding(), NOW + CONFIRMATION_TTL_SECONDS + 1)).toEqual({
      ok: false,
      reason: "expired",
    });
    expect(await openConfirmation(other, state, await binding(), NOW)).toEqual({ ok: false, reason: "bad_signature" });
    const [prefix, payload, mac] = state.split(".");
    const tampered = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/")));
    tampered.argumentsHash = "f".repeat(64);
    const forged = `${prefix}.${btoa(JSON.stringify(tampered)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.${mac}`;
    expect(await openConfirmation(key, forged, await binding(), NOW)).toEqual({ ok: false, reason: "bad_signature" });
    for (const garbage of [undefined, 42, "", "v1.", "v1.x.y", "v2.abc.def", "x".repeat(5000)]) {
      expect((await openConfirmation(key, garbage, await binding(), NOW)).ok).toBe(false);
    }
  });
});
