/**
 * The audit trail's authentication outcome follows the same rule as the IP budget
 * (docs/authentication.md, "Who pays for a refusal"): only our outage alone is "unavailable"; a refusal
 * the caller chose is a failure (OCSF status Failure, counted by the failed-authentication detectors),
 * also when it was answered 503 because the key set could not be fetched to confirm it.
 */
import { describe, expect, it } from "vitest";
import { createRequestAudit } from "../../../src/audit/request-audit";
import { AUTH_FAILURE_REASONS, type AuthFailureReason, isOurOutage } from "../../../src/auth/auth-failure";
import { toAuthRefusal } from "../../../src/http/auth-refusals";

const OUR_OUTAGES: readonly AuthFailureReason[] = [
  "key_set_unavailable",
  "api_key_store_unavailable",
  "replay_cache_unavailable",
];

function authenticationEvent(reason: AuthFailureReason, status: number) {
  const audit = createRequestAudit("req-1", { ip: "203.0.113.9" }, { now: () => 0, newId: () => "uid" });
  audit.observeSecurity({ type: "auth_failure", reason });
  return audit.finish(status, "POST", "/mcp").find((event) => event.class_uid === 3002) as
    | { status_id: number; status_code?: string; status_detail?: string }
    | undefined;
}

describe("authentication outcome in the audit trail", () => {
  it("our outages are the three dependencies being down, nothing the caller chose", () => {
    expect(AUTH_FAILURE_REASONS.filter(isOurOutage)).toEqual(OUR_OUTAGES);
    expect(isOurOutage("not_a_reason")).toBe(false);
  });

  it.each([...AUTH_FAILURE_REASONS])("%s", (reason) => {
    const refusal = toAuthRefusal(reason);
    const event = authenticationEvent(reason, refusal.status);
    expect(event).toBeDefined();
    if (OUR_OUTAGES.includes(reason)) expect(event!.status_code).not.toBe("denied");
    else expect(event!.status_code).toBe("denied");
  });
});
