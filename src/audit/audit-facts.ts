/**
 * What the request path knows about one auditable thing, before it becomes an OCSF event. Facts are
 * plain data built from already-parsed values (a Principal, a tool's parsed input, a reason code); no
 * request, header bag, token or file content can be put into one, because no field has that type.
 * `toOcsfEvent` (ocsf-mapping.ts) is the only reader.
 */

/** Who, from where, in which request: shared by every event of one request. */
import type { ContentSummary } from "./content-facts";

export interface EventContext {
  /** Milliseconds since the epoch (OCSF `timestamp_t`). */
  readonly time: number;
  readonly requestId: string;
  readonly tenant?: string | undefined;
  readonly subject?: string | undefined;
  readonly clientId?: string | undefined;
  /** `jwt`, `api_key`, … — never the credential itself. */
  readonly credentialKind?: string | undefined;
  /** The signing key's `kid` or the API key's public id. */
  readonly keyId?: string | undefined;
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  /** ISO 3166-1 alpha-2, from `request.cf.country`. */
  readonly country?: string | undefined;
  /** From `request.cf.asn`. */
  readonly asn?: number | undefined;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
}

/** How a request ended, in the same vocabulary as the console line (audit-log.ts). */
export type FactOutcome =
  | "ok"
  | "tool_error"
  | "client_error"
  | "denied"
  | "rate_limited"
  | "unavailable"
  | "server_error";

/** The authorization decision and the rule (or scope) that made it (invariant 7, docs/architecture.md). */
export interface Decision {
  readonly allowed: boolean;
  /** `scope:files:read`, a policy rule id, `rate_limit:ip`, … */
  readonly rule: string;
}

/** File Hosting Activity activities (OCSF 6006) we emit, plus `other` with a name. */
export type FileActivity =
  | "upload"
  | "download"
  | "update"
  | "delete"
  | "rename"
  | "copy"
  | "move"
  | "restore"
  | "preview"
  | "other";

export interface AuthenticationFact {
  readonly kind: "authentication";
  readonly uid: string;
  readonly context: EventContext;
  readonly outcome: "success" | "failure" | "unavailable";
  /** The failure reason code (`expired`, `bad_signature`, …). */
  readonly reason?: string | undefined;
  /** Seconds since the epoch, from the token's `auth_time`. */
  readonly authTime?: number | undefined;
}

export interface FileFact {
  readonly kind: "file";
  readonly uid: string;
  readonly context: EventContext;
  readonly tool: string;
  readonly activity: FileActivity;
  /** Shown as `activity_name` when `activity` is `other` (e.g. `List`). */
  readonly activityName?: string | undefined;
  /** Canonical sandbox paths the call named; the first is the target, a second the result (move/copy). */
  readonly paths: readonly string[];
  readonly bytesRead?: number | undefined;
  readonly bytesWritten?: number | undefined;
  readonly outcome: FactOutcome;
  readonly errorCode?: string | undefined;
  readonly decision?: Decision | undefined;
  /** What the content read or written held (labels, never text); see content-facts.ts. */
  readonly sensitivity?: readonly ContentSummary[] | undefined;
}

export interface ApiFact {
  readonly kind: "api";
  readonly uid: string;
  readonly context: EventContext;
  /** JSON-RPC method, or `HTTP <method> <route>` when no message was read. */
  readonly operation: string;
  readonly httpStatus: number;
  readonly outcome: FactOutcome;
  readonly errorCode?: string | undefined;
  readonly decision?: Decision | undefined;
}

export interface FindingFact {
  readonly kind: "finding";
  readonly uid: string;
  readonly time: number;
  readonly detector: string;
  readonly title: string;
  readonly description: string;
  /** What the detector counted, e.g. `ip:203.0.113.9` or `principal:jwt:alice`. */
  readonly subjectKey: string;
  readonly tenant?: string | undefined;
  readonly subject?: string | undefined;
  readonly ip?: string | undefined;
  readonly observed: number;
  readonly threshold: number;
  readonly windowSeconds: number;
  /** `metadata.uid`s of the events that crossed the threshold (the last few). */
  readonly evidence: readonly string[];
  /** For `sensitive_data` findings: what the file held (labels, never text). */
  readonly sensitivity?: ContentSummary | undefined;
}

export type AuditFact = AuthenticationFact | FileFact | ApiFact | FindingFact;
