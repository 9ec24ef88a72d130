/**
 * Admission: per-IP and per-principal rate limits and the tenant's daily quotas, in one limiter check
 * (src/limits/admission-check.ts), turned into answers: 429 with Retry-After and RateLimit headers, 503
 * when the limiter is unreachable for a write or delete (or for reads with LIMITS_DEGRADED_READS=refuse),
 * and a daily-quota refusal handed on to the tool seam, which answers it as a `quota_exceeded` tool
 * error after its own scope and input checks.
 *
 * A call that authorize will refuse for its scope still counts against the rate limits (so 403s cannot
 * be spammed for free) but spends no daily quota: nothing will be written or deleted.
 */
import type { Principal } from "../auth/principal";
import { ToolError } from "../errors/tool-error";
import { checkAdmission, type ReadMeter } from "../limits/admission-check";
import type { QuotaName, QuotaRefusal } from "../limits/decisions";
import type { ToolCall } from "../tools/tool-call";
import type { ParsedMessage } from "./body";
import type { Edge } from "./edge";
import { limiterUnavailable, tooManyRequests } from "./limit-refusals";
import { blockedHeaders, rateLimitHeaders } from "./rate-limit-headers";
import { operationOf, requestCost } from "./request-cost";

export interface Admission {
  /** RateLimit headers for the response (empty when the limiter was degraded). */
  readonly headers: Record<string, string>;
  /** A daily quota this call would exceed: the seam answers it as a tool error. */
  readonly refusal: ToolError | undefined;
  /** Storage-quota key for this tenant, for the sandbox's meter. */
  readonly storageKey: string;
  /** Storage growth the admission check already reserved (bytes); the meter spends it, then settles. */
  readonly storageReserved: number;
  /** Where the bytes this call returns are added after the answer (a content read that may run). */
  readonly readMeter: ReadMeter | undefined;
}

const QUOTA_LABELS: Record<QuotaName, string> = {
  writes: "writes",
  deletes: "deletes",
  bytesWritten: "bytes written",
  bytesRead: "bytes read",
};

/** The variable an operator raises (docs/configuration.md), named in the refusal. */
const QUOTA_SETTINGS: Record<QuotaName, string> = {
  writes: "QUOTA_DAILY_WRITES",
  deletes: "QUOTA_DAILY_DELETES",
  bytesWritten: "QUOTA_DAILY_BYTES_WRITTEN",
  bytesRead: "QUOTA_DAILY_BYTES_READ",
};

/** What else the caller can do today, per quota: whether a smaller call or parts could still fit. */
function quotaAdvice(refusal: QuotaRefusal): string {
  switch (refusal.name) {
    case "bytesWritten": {
      const left = Math.max(0, refusal.limit - refusal.used);
      return left > 0
        ? `${left} bytes remain today: a smaller write still fits (append_file adds to a file part by part). `
        : "";
    }
    case "writes":
      return "Every write_file and append_file call counts as one write, so writing in parts does not help. ";
    case "deletes":
      return "A recursive delete_file counts once whatever it removes. ";
    case "bytesRead":
      return "This budget is per principal: every call that reads files or resources is refused until it resets; writes are not. ";
  }
}

export function quotaError(refusal: QuotaRefusal): ToolError {
  const resetsAt = new Date(refusal.resetsAt).toISOString();
  return new ToolError(
    "quota_exceeded",
    `Daily quota exhausted: ${QUOTA_LABELS[refusal.name]} (${refusal.used} of ${refusal.limit} used today, UTC). ` +
      `This call was not run. ${quotaAdvice(refusal)}The quota resets at ${resetsAt} (its limit is ` +
      `${QUOTA_SETTINGS[refusal.name]}).`,
    { quota: refusal.name, setting: QUOTA_SETTINGS[refusal.name], limit: refusal.limit, used: refusal.used, resetsAt },
  );
}

/**
 * Whose fair share a request spends: a JWT's subject, or an API key itself (`key:<keyId>`), so each key
 * is its own principal for rate limits whatever subject it acts for, and keeps its budget across rotations.
 */
export function limitIdentityOf(principal: Principal): { kind: string; id: string } {
  if (principal.credentialKind === "api_key" && principal.keyId)
    return { kind: "api_key", id: `key:${principal.keyId}` };
  return { kind: principal.credentialKind, id: principal.subject };
}

export async function admit(
  edge: Edge,
  principal: Principal,
  parsed: ParsedMessage,
  options: {
    /** False for a call that will be refused: it counts against the rate limits but spends no quota. */
    readonly chargeQuotas: boolean;
    /** The tools/call of this message, parsed once (src/tools/tool-call.ts). */
    readonly call: ToolCall | undefined;
    /** A `files:read` tool or resource request: spends the principal's QUOTA_DAILY_BYTES_READ. */
    readonly readsContent: boolean;
  },
): Promise<Admission> {
  const { log, state } = edge;
  const limits = state.limits;
  const outcome = await checkAdmission(limits, {
    ip: edge.ip,
    identity: limitIdentityOf(principal),
    tenant: principal.tenant,
    cost: options.chargeQuotas ? requestCost(options.call) : { units: 1 },
    operation: options.chargeQuotas ? operationOf(options.call) : "read",
    readsContent: options.chargeQuotas && options.readsContent,
    defer: edge.defer,
  });
  switch (outcome.kind) {
    case "blocked": {
      const headers = blockedHeaders(outcome.limit, outcome.until, outcome.now);
      throw tooManyRequests(log, "principal_blocked", outcome.until, outcome.now, headers, parsed.id);
    }
    case "degraded_refuse": {
      const write = options.chargeQuotas && operationOf(options.call) === "write";
      throw limiterUnavailable(log, write ? "refused_write" : "refused_read");
    }
    case "degraded_allow":
      log.security({ type: "degraded_decision", reason: "allowed_read" });
      return {
        headers: {},
        refusal: undefined,
        storageKey: outcome.storageKey,
        storageReserved: 0,
        readMeter: undefined,
      };
    case "rate_limited": {
      const headers = rateLimitHeaders(outcome.windows, outcome.now);
      throw tooManyRequests(log, outcome.which, outcome.retryAt, outcome.now, headers, parsed.id);
    }
    case "allow":
      return {
        headers: rateLimitHeaders(outcome.windows, outcome.now),
        refusal: outcome.quotaRefusal ? quotaError(outcome.quotaRefusal) : undefined,
        storageKey: outcome.storageKey,
        storageReserved: outcome.storageReserved,
        readMeter: outcome.readMeter,
      };
  }
}
