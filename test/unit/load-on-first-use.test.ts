/**
 * Code loaded on first use (docs/performance.md, "Startup") fails closed: a load that fails rejects the
 * request that needed it (never a skipped check, never a success), is not remembered, and the next
 * request loads it again. Each loader is exercised with a load that fails once.
 */
import { describe, expect, it } from "vitest";
import { authFailure, authSuccess } from "../../src/auth/auth-failure";
import type { CredentialVerifier } from "../../src/auth/credential-verifier";
import { createDpopBinding } from "../../src/auth/dpop-binding";
import type { checkDpopProof } from "../../src/auth/dpop-proof";
import { createLazyJwtVerifier } from "../../src/auth/lazy-jwt-verifier";
import type { Principal } from "../../src/auth/principal";
import { createMemoryReplayCache } from "../../src/auth/replay-cache";
import type { Config } from "../../src/config/config";
import { loadConfig } from "../../src/http/isolate-config";
import { loadOnce } from "../../src/loading/load-once";
import { createTestKey } from "../support/keys";
import { testPrincipal } from "../support/principal";
import { makeEnv } from "../support/worker";

const NOW = new Date("2026-12-01T12:00:00Z");

const principal = testPrincipal({ subject: "alice" });

/** A load that fails the first `failures` times, then resolves to `value`; counts its calls. */
function flaky<T>(value: T, failures = 1) {
  const state = { calls: 0 };
  const load = async () => {
    state.calls++;
    if (state.calls <= failures) throw new Error("module evaluation failed");
    return value;
  };
  return { load, state };
}

describe("loadOnce", () => {
  it("rejects while the load fails, loads again next time, then keeps what it loaded", async () => {
    const { load, state } = flaky("module");
    const loader = loadOnce(load);
    await expect(loader()).rejects.toThrow("module evaluation failed");
    expect(await loader()).toBe("module");
    expect(await loader()).toBe("module");
    expect(state.calls).toBe(2);
  });

  it("shares one load between concurrent first uses", async () => {
    const { load, state } = flaky("module", 0);
    const loader = loadOnce(load);
    const [a, b] = await Promise.all([loader(), loader()]);
    expect(a).toBe(b);
    expect(state.calls).toBe(1);
  });
});

describe("the JWT verifier, built with the first JWT", () => {
  const config = { audience: "https://files.example.test/mcp", clockToleranceSeconds: 0 } as Config;
  const inner: CredentialVerifier = {
    kind: "jwt",
    matches: () => true,
    verify: async (token) => (token === "good.jwt.token" ? authSuccess(principal) : authFailure("bad_signature")),
  };

  it("decides the shape without loading anything", () => {
    const { load, state } = flaky(inner);
    const verifier = createLazyJwtVerifier(config, load);
    expect(verifier.kind).toBe("jwt");
    expect(verifier.matches("a.b.c")).toBe(true);
    expect(verifier.matches("r2mcp_0123456789abcdef_secret")).toBe(false);
    expect(state.calls).toBe(0);
  });

  it("rejects (never authenticates) when jose fails to load, and loads it again for the next token", async () => {
    const { load, state } = flaky(inner);
    const verifier = createLazyJwtVerifier(config, load);
    await expect(verifier.verify("good.jwt.token", NOW)).rejects.toThrow();
    expect(await verifier.verify("good.jwt.token", NOW)).toEqual(authSuccess(principal));
    expect(await verifier.verify("forged.jwt.token", NOW)).toEqual(authFailure("bad_signature"));
    expect(state.calls).toBe(2);
  });
});

describe("the DPoP binding, with the proof check loaded on the first DPoP request", () => {
  const request = { method: "POST", url: "https://files.example.test/mcp", authorization: null, dpopProofs: ["p"] };
  const bound: Principal = { ...principal, dpopThumbprint: "thumbprint" };

  it("judges Bearer credentials without loading the proof check", async () => {
    const { load, state } = flaky((async () => authSuccess(undefined)) as unknown as typeof checkDpopProof);
    const binding = createDpopBinding(createMemoryReplayCache(), load);
    const bearer = { scheme: "bearer" as const, token: "t" };
    expect(await binding.check({ principal, credential: bearer, request, now: NOW })).toEqual(authSuccess(principal));
    expect(await binding.check({ principal: bound, credential: bearer, request, now: NOW })).toEqual(
      authFailure("dpop_bound_token_as_bearer"),
    );
    expect(state.calls).toBe(0);
  });

  it("rejects a DPoP request (never accepts it unchecked) when the proof check fails to load", async () => {
    const refuse = (async () => authFailure("dpop_proof_invalid")) as unknown as typeof checkDpopProof;
    const { load, state } = flaky(refuse);
    const binding = createDpopBinding(createMemoryReplayCache(), load);
    const dpop = { scheme: "dpop" as const, token: "t" };
    await expect(binding.check({ principal: bound, credential: dpop, request, now: NOW })).rejects.toThrow();
    expect(await binding.check({ principal: bound, credential: dpop, request, now: NOW })).toEqual(
      authFailure("dpop_proof_invalid"),
    );
    expect(state.calls).toBe(2);
  });
});

describe("the config parser, loaded with the isolate's first request", () => {
  it("rejects while it fails to load (no config, no misconfiguration verdict cached), then parses", async () => {
    const env = makeEnv(await createTestKey("lazy-config"));
    const { parseConfig } = await import("../../src/config/config");
    const { load, state } = flaky(parseConfig);
    await expect(loadConfig(env, load)).rejects.toThrow("module evaluation failed");
    const loaded = await loadConfig(env, load);
    expect(loaded).toMatchObject({ config: { audience: env.OAUTH_AUDIENCE } });
    expect(await loadConfig(env)).toBe(loaded);
    expect(state.calls).toBe(2);
  });
});
