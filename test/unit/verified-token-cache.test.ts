/**
 * The verified-token cache answers exactly what a fresh verification would: a hit skips the signature
 * check, but exp/nbf are re-checked on every hit, the trust window is bounded, refusals are never
 * remembered, and a token verified for one audience is never accepted for another.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AuthResult } from "../../src/auth/auth-failure";
import type { CredentialVerifier } from "../../src/auth/credential-verifier";
import { createJwtVerifier } from "../../src/auth/jwt-verifier";
import type { Principal } from "../../src/auth/principal";
import { TRUST_SECONDS, withVerifiedTokenCache } from "../../src/auth/verified-token-cache";
import type { Config } from "../../src/config/config";
import { SCOPES_ONLY_POLICY } from "../../src/policy/policy";
import { createTestKey, jwksOf, type TestKey } from "../support/keys";
import { AUDIENCE, ISSUER, mintToken } from "../support/tokens";

const OTHER_AUDIENCE = "https://other.example.test/mcp";
const TOLERANCE = 30;

let key: TestKey;
beforeAll(async () => {
  key = await createTestKey("cache-test");
});

function configFor(audience: string): Config {
  // Only what the JWT verifier reads; the rest of Config (limits, audit) plays no part here.
  return {
    environment: "development",
    issuer: ISSUER,
    audience,
    jwks: { kind: "inline", keys: jwksOf(key) as { keys: Record<string, unknown>[] } },
    tenantClaim: "sub",
    clockToleranceSeconds: TOLERANCE,
    jwksTimeoutMs: 3000,
    policy: SCOPES_ONLY_POLICY,
  } as Config;
}

/** The real verifier, counting how often it is asked. */
function countingVerifier(audience: string): CredentialVerifier & { calls: number } {
  const real = createJwtVerifier(configFor(audience));
  const counter = {
    kind: real.kind,
    matches: real.matches,
    calls: 0,
    verify(token: string, now: Date): Promise<AuthResult<Principal>> {
      counter.calls++;
      return real.verify(token, now);
    },
  };
  return counter;
}

function cached(inner: CredentialVerifier, audience = AUDIENCE, maxEntries?: number) {
  return withVerifiedTokenCache(inner, {
    audience,
    clockToleranceSeconds: TOLERANCE,
    ...(maxEntries ? { maxEntries } : {}),
  });
}

const at = (epochSeconds: number) => new Date(epochSeconds * 1000);
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("verified-token cache", () => {
  it("verifies a token once and answers the same principal from memory afterwards", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const token = await mintToken({ key, claims: { sub: "alice" } });
    const first = await verifier.verify(token, new Date());
    const second = await verifier.verify(token, new Date());
    expect(first.ok && second.ok).toBe(true);
    expect(second).toEqual(first);
    expect(inner.calls).toBe(1);
    expect(verifier.size()).toBe(1);
  });

  it("re-checks exp on a hit: an expired cached token is verified again and refused as expired", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const issued = nowSeconds();
    const token = await mintToken({ key, claims: { iat: issued, exp: issued + 60 } });
    expect((await verifier.verify(token, at(issued))).ok).toBe(true);
    // Still inside exp + tolerance: a hit.
    expect((await verifier.verify(token, at(issued + 60 + TOLERANCE - 1))).ok).toBe(true);
    expect(inner.calls).toBe(1);
    const late = await verifier.verify(token, at(issued + 60 + TOLERANCE));
    expect(late).toEqual({ ok: false, reason: "expired" });
    expect(inner.calls).toBe(2);
  });

  it("re-checks nbf on a hit: a clock that moved back before nbf verifies again and refuses", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const start = nowSeconds();
    const token = await mintToken({ key, claims: { nbf: start + 100, exp: start + 3_600 } });
    expect((await verifier.verify(token, at(start + 100))).ok).toBe(true);
    const early = await verifier.verify(token, at(start + 100 - TOLERANCE - 1));
    expect(early).toEqual({ ok: false, reason: "not_yet_valid" });
    expect(inner.calls).toBe(2);
  });

  it("trusts an entry for at most TRUST_SECONDS, then verifies the token again", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const start = nowSeconds();
    const token = await mintToken({ key, claims: { iat: start, exp: start + 3_600 } });
    await verifier.verify(token, at(start));
    await verifier.verify(token, at(start + TRUST_SECONDS - 1));
    expect(inner.calls).toBe(1);
    expect((await verifier.verify(token, at(start + TRUST_SECONDS))).ok).toBe(true);
    expect(inner.calls).toBe(2);
  });

  it("never accepts a token verified for one audience at another", async () => {
    const here = cached(countingVerifier(AUDIENCE));
    const elsewhereInner = countingVerifier(OTHER_AUDIENCE);
    const elsewhere = cached(elsewhereInner, OTHER_AUDIENCE);
    const token = await mintToken({ key, claims: { aud: AUDIENCE } });
    expect((await here.verify(token, new Date())).ok).toBe(true);
    expect(await elsewhere.verify(token, new Date())).toEqual({ ok: false, reason: "wrong_audience" });
    expect(await elsewhere.verify(token, new Date())).toEqual({ ok: false, reason: "wrong_audience" });
    expect(elsewhereInner.calls).toBe(2);
    expect(elsewhere.size()).toBe(0);
  });

  it("remembers no refusal: a bad signature is checked in full every time", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const stranger = await createTestKey("cache-test");
    const forged = await mintToken({ key, signingKey: stranger.privateKey });
    expect(await verifier.verify(forged, new Date())).toEqual({ ok: false, reason: "bad_signature" });
    expect(await verifier.verify(forged, new Date())).toEqual({ ok: false, reason: "bad_signature" });
    expect(inner.calls).toBe(2);
    expect(verifier.size()).toBe(0);
  });

  it("a valid token does not vouch for a tampered copy of itself", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner);
    const token = await mintToken({ key });
    await verifier.verify(token, new Date());
    const [header, payload, signature] = token.split(".");
    const flipped = signature!.startsWith("A") ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    expect(await verifier.verify(`${header}.${payload}.${flipped}`, new Date())).toMatchObject({ ok: false });
    expect(inner.calls).toBe(2);
  });

  it("is bounded: beyond maxEntries the least recently used token is forgotten", async () => {
    const inner = countingVerifier(AUDIENCE);
    const verifier = cached(inner, AUDIENCE, 2);
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((sub) => mintToken({ key, claims: { sub } })));
    await verifier.verify(a!, new Date());
    await verifier.verify(b!, new Date());
    await verifier.verify(a!, new Date()); // a is now the most recently used
    await verifier.verify(c!, new Date()); // evicts b
    expect(verifier.size()).toBe(2);
    expect(inner.calls).toBe(3);
    await verifier.verify(a!, new Date());
    expect(inner.calls).toBe(3);
    await verifier.verify(b!, new Date());
    expect(inner.calls).toBe(4);
  });
});
