import { describe, expect, it } from "vitest";
import {
  type ConfirmationBinding,
  confirmationCodec,
  hashArguments,
  hashSummary,
  isSameCall,
} from "../../../src/policy/confirmation";

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
  it("round-trips through the SDK codec for the same call, with the summary's hash", async () => {
    const codec = confirmationCodec(SECRET);
    const claims = { ...(await binding()), summaryHash: await hashSummary("Permanently delete 2 items?"), nonce: "n1" };
    const state = await codec.mint(claims);
    const opened = await codec.verify(state, undefined as never);
    expect(opened).toEqual(claims);
    expect(isSameCall(opened, await binding())).toBe(true);
  });

  it("refuses a state sealed with another secret", async () => {
    const state = await confirmationCodec(SECRET).mint({ ...(await binding()), summaryHash: "x", nonce: "n1" });
    await expect(confirmationCodec(`${SECRET}-other`).verify(state, undefined as never)).rejects.toThrow();
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
  ])("is not the same call for %s", async (_name, change) => {
    expect(isSameCall(await binding(), await binding(change))).toBe(false);
  });

  it("is not the same call for garbage", async () => {
    for (const garbage of [undefined, null, 42, "state", {}]) expect(isSameCall(garbage, await binding())).toBe(false);
  });
});
