/**
 * The failure-to-wire table: every reason has exactly one answer, and only our outages are 503. Of the
 * 503s, exactly those where the outage only kept us from confirming a failure the caller chose count
 * against the caller.
 */
import { describe, expect, it } from "vitest";
import { AUTH_FAILURE_REASONS, type AuthFailureReason, isOurOutage } from "../../src/auth/auth-failure";
import { AUTH_REFUSALS, toAuthRefusal } from "../../src/http/auth-refusals";

const OUTAGES: readonly AuthFailureReason[] = [
  "key_set_unavailable",
  "api_key_store_unavailable",
  "replay_cache_unavailable",
];
/** Answered 503 (we could not fetch keys to confirm) but the caller chose what failed. */
const CALLER_CHOSEN_UNDER_OUTAGE: readonly AuthFailureReason[] = [
  "key_set_unavailable_unknown_key",
  "key_set_unavailable_bad_signature",
];
const OUR_BUGS: readonly AuthFailureReason[] = ["api_key_record_invalid"];
const NO_CREDENTIAL: readonly AuthFailureReason[] = ["missing_credential", "unsupported_scheme"];
const REQUEST_ERRORS: readonly AuthFailureReason[] = ["malformed_authorization_header", "token_in_query"];

describe("authentication failure → wire", () => {
  it("has a row for every reason and no row for anything else", () => {
    expect(Object.keys(AUTH_REFUSALS).sort()).toEqual([...AUTH_FAILURE_REASONS].sort());
  });

  it.each([...AUTH_FAILURE_REASONS])("%s", (reason) => {
    const refusal = toAuthRefusal(reason);
    // Who pays: only our outages are free for the caller.
    expect(isOurOutage(reason)).toBe(OUTAGES.includes(reason));
    if (OUTAGES.includes(reason)) {
      expect(refusal.status).toBe(503);
      return;
    }
    if (CALLER_CHOSEN_UNDER_OUTAGE.includes(reason)) {
      // The wire answer is exactly the outage's: nothing tells the caller its kid or signature was judged.
      expect(refusal).toEqual(toAuthRefusal("key_set_unavailable"));
      return;
    }
    if (OUR_BUGS.includes(reason)) {
      expect(refusal.status).toBe(500);
      return;
    }
    expect(refusal.status).toBe(401);
    if (refusal.status !== 401) return;
    if (NO_CREDENTIAL.includes(reason)) expect(refusal.error).toBeUndefined();
    else if (REQUEST_ERRORS.includes(reason)) expect(refusal.error).toBe("invalid_request");
    else if (reason.startsWith("dpop_proof") || (reason.startsWith("dpop_") && reason.endsWith("_mismatch"))) {
      // RFC 9449 §7.1: proof failures are invalid_dpop_proof, on the DPoP challenge.
      expect(refusal).toMatchObject({ error: "invalid_dpop_proof", challenge: "dpop" });
    } else expect(refusal.error).toBe("invalid_token");
    // The wire never names the precise reason (that goes to the security log only).
    expect(JSON.stringify(refusal)).not.toContain(reason);
  });
});
