/** Verifier selection by shape and the order of binding checks, with stand-in verifiers and a fixed clock. */
import { describe, expect, it } from "vitest";
import { authFailure, authSuccess } from "../../src/auth/auth-failure";
import {
  type Authenticator,
  authenticateCredential,
  type CredentialBinding,
} from "../../src/auth/authenticate-credential";
import type { CredentialVerifier } from "../../src/auth/credential-verifier";
import { testPrincipal } from "../support/principal";

const NOW = new Date("2026-11-30T12:00:00Z");

const principal = testPrincipal({ subject: "alice" });

function verifier(kind: "jwt", prefix: string, seen: string[]): CredentialVerifier {
  return {
    kind,
    matches: (token) => token.startsWith(prefix),
    async verify(token, now) {
      seen.push(`${kind}:${token}@${now.toISOString()}`);
      return token.endsWith("bad") ? authFailure("bad_signature") : authSuccess(principal);
    },
  };
}

function request(authorization: string | null, url = "https://files.example.test/mcp") {
  return { method: "POST", url, authorization };
}

describe("authenticateCredential", () => {
  it("asks only the verifier whose shape matches, with the injected clock", async () => {
    const seen: string[] = [];
    const authenticator: Authenticator = { verifiers: [verifier("jwt", "a.", seen)], bindings: [] };
    const result = await authenticateCredential(authenticator, request("Bearer a.b.c"), NOW);
    expect(result).toEqual({ ok: true, value: principal });
    expect(seen).toEqual(["jwt:a.b.c@2026-11-30T12:00:00.000Z"]);
  });

  it("refuses a credential no verifier recognises, without asking any", async () => {
    const seen: string[] = [];
    const authenticator: Authenticator = { verifiers: [verifier("jwt", "a.", seen)], bindings: [] };
    expect(await authenticateCredential(authenticator, request("Bearer zzz"), NOW)).toEqual(
      authFailure("malformed_token"),
    );
    expect(seen).toEqual([]);
  });

  it("runs bindings in order after a successful verification, and stops at the first refusal", async () => {
    const calls: string[] = [];
    const binding = (name: string, refuse: boolean): CredentialBinding => ({
      name,
      async check(input) {
        calls.push(name);
        return refuse ? authFailure("invalid_claims") : authSuccess({ ...input.principal, subject: name });
      },
    });
    const authenticator: Authenticator = {
      verifiers: [verifier("jwt", "a.", [])],
      bindings: [binding("first", false), binding("second", true), binding("third", false)],
    };
    expect(await authenticateCredential(authenticator, request("Bearer a.b.c"), NOW)).toEqual(
      authFailure("invalid_claims"),
    );
    expect(calls).toEqual(["first", "second"]);
    // A failed verification never reaches a binding.
    calls.length = 0;
    expect(await authenticateCredential(authenticator, request("Bearer a.b.bad"), NOW)).toEqual(
      authFailure("bad_signature"),
    );
    expect(calls).toEqual([]);
  });

  it("takes the credential from the Authorization header only", async () => {
    const authenticator: Authenticator = { verifiers: [verifier("jwt", "a.", [])], bindings: [] };
    expect(
      await authenticateCredential(
        authenticator,
        request("Bearer a.b.c", "https://files.example.test/mcp?access_token=a.b.c"),
        NOW,
      ),
    ).toEqual(authFailure("token_in_query"));
    expect(await authenticateCredential(authenticator, request(null), NOW)).toEqual(authFailure("missing_credential"));
    expect(await authenticateCredential(authenticator, request("Basic YTpi"), NOW)).toEqual(
      authFailure("unsupported_scheme"),
    );
  });

  it("takes no scheme from Object.prototype: `constructor a.b.c` is another scheme, not a credential", async () => {
    const seen: string[] = [];
    const authenticator: Authenticator = { verifiers: [verifier("jwt", "a.", seen)], bindings: [] };
    for (const scheme of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(await authenticateCredential(authenticator, request(`${scheme} a.b.c`), NOW)).toEqual(
        authFailure("unsupported_scheme"),
      );
    }
    expect(seen).toEqual([]);
  });
});
