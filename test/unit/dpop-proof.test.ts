/** RFC 9449 §4.3 proof checks as a pure function: injected clock, in-memory replay cache. */
import { describe, expect, it } from "vitest";
import { checkDpopProof, type DpopProofInput } from "../../src/auth/dpop-proof";
import { createMemoryReplayCache, ReplayCacheUnavailableError } from "../../src/auth/replay-cache";
import { createDpopKey, createProof } from "../support/dpop";

const URL_ = "https://files.example.test/mcp";
const T0 = 1_800_000_000;
const TOKEN = "header.payload.signature";

async function input(overrides: Partial<DpopProofInput> & { proof?: string } = {}): Promise<DpopProofInput> {
  const key = await createDpopKey();
  const proof = overrides.proof ?? (await createProof({ key, htu: URL_, accessToken: TOKEN, iat: T0 }));
  return {
    proofs: [proof],
    method: "POST",
    url: URL_,
    accessToken: TOKEN,
    boundThumbprint: key.jkt,
    now: new Date(T0 * 1000),
    replays: createMemoryReplayCache(() => T0 * 1000),
    ...overrides,
  };
}

describe("checkDpopProof", () => {
  it("accepts iat anywhere inside ±300 s and nothing outside", async () => {
    const key = await createDpopKey();
    const at = (iat: number, now: number) =>
      createProof({ key, htu: URL_, accessToken: TOKEN, iat }).then((proof) =>
        checkDpopProof({
          proofs: [proof],
          method: "POST",
          url: URL_,
          accessToken: TOKEN,
          boundThumbprint: key.jkt,
          now: new Date(now * 1000),
          replays: createMemoryReplayCache(),
        }),
      );
    expect((await at(T0 - 300, T0)).ok).toBe(true);
    expect((await at(T0 + 300, T0)).ok).toBe(true);
    expect(await at(T0 - 301, T0)).toEqual({ ok: false, reason: "dpop_proof_stale" });
    expect(await at(T0 + 301, T0)).toEqual({ ok: false, reason: "dpop_proof_stale" });
  });

  it("accepts a proof once: the same jti again is a replay", async () => {
    const first = await input();
    expect((await checkDpopProof(first)).ok).toBe(true);
    expect(await checkDpopProof(first)).toEqual({ ok: false, reason: "dpop_proof_replayed" });
  });

  it("compares htu without query or fragment, after normalising scheme and host case and default ports", async () => {
    const key = await createDpopKey();
    const proof = await createProof({ key, htu: "HTTPS://Files.Example.Test:443/mcp", accessToken: TOKEN, iat: T0 });
    const ok = await checkDpopProof(await input({ proof, boundThumbprint: key.jkt, url: `${URL_}?x=1#f` }));
    expect(ok.ok).toBe(true);
    const other = await createProof({ key, htu: `${URL_}/other`, accessToken: TOKEN, iat: T0 });
    expect(await checkDpopProof(await input({ proof: other, boundThumbprint: key.jkt }))).toEqual({
      ok: false,
      reason: "dpop_url_mismatch",
    });
  });

  it("refuses two proofs, or a proof header holding two values", async () => {
    const one = await input();
    expect(await checkDpopProof({ ...one, proofs: [one.proofs[0]!, one.proofs[0]!] })).toEqual({
      ok: false,
      reason: "dpop_proof_malformed",
    });
    expect(await checkDpopProof({ ...one, proofs: [`${one.proofs[0]}, ${one.proofs[0]}`] })).toEqual({
      ok: false,
      reason: "dpop_proof_malformed",
    });
    expect(await checkDpopProof({ ...one, proofs: [] })).toEqual({ ok: false, reason: "dpop_proof_missing" });
  });

  it("an unreachable replay cache is our outage, checked only after every other check passed", async () => {
    const down = {
      firstSeen: async () => {
        throw new ReplayCacheUnavailableError("down");
      },
    };
    expect(await checkDpopProof(await input({ replays: down }))).toEqual({
      ok: false,
      reason: "replay_cache_unavailable",
    });
    expect(await checkDpopProof(await input({ replays: down, method: "GET" }))).toEqual({
      ok: false,
      reason: "dpop_method_mismatch",
    });
  });
});
