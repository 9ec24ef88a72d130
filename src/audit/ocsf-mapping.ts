/**
 * Facts → OCSF 1.5 events (https://schema.ocsf.io/1.5.0/). Class and activity ids are checked against
 * the schema's event definitions: File Hosting Activity 6006 (application category 6, class 6),
 * Authentication 3002 (IAM category 3), API Activity 6003, Detection Finding 2004 (findings category 2).
 * `type_uid` is `class_uid * 100 + activity_id` (OCSF base event). Everything OCSF has no attribute for
 * (tool name, all paths, byte counts) goes into `unmapped`, which the schema reserves for that purpose.
 *
 * Pure: the clock and ids come in with the fact, so the same fact always maps to the same bytes
 * (golden files in test/unit/audit/goldens).
 */

import type {
  ApiFact,
  AuditFact,
  AuthenticationFact,
  Decision,
  EventContext,
  FactOutcome,
  FileActivity,
  FileFact,
  FindingFact,
} from "./audit-facts";
import { dataSecurityOf } from "./content-facts";

export const OCSF_VERSION = "1.5.0";
export const PRODUCT = { name: "r2-files-mcp", vendor_name: "r2-files-mcp", version: "0.1.0" } as const;

export type OcsfEvent = Record<string, unknown> & {
  class_uid: number;
  activity_id: number;
  time: number;
  metadata: { uid: string; [key: string]: unknown };
};

const FILE_ACTIVITIES: Record<FileActivity, [number, string]> = {
  upload: [1, "Upload"],
  download: [2, "Download"],
  update: [3, "Update"],
  delete: [4, "Delete"],
  rename: [5, "Rename"],
  copy: [6, "Copy"],
  move: [7, "Move"],
  restore: [8, "Restore"],
  preview: [9, "Preview"],
  other: [99, "Other"],
};

// OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High.
function severityOf(outcome: FactOutcome): [number, string] {
  switch (outcome) {
    case "ok":
      return [1, "Informational"];
    case "tool_error":
    case "client_error":
    case "rate_limited":
      return [2, "Low"];
    case "denied":
    case "unavailable":
    case "server_error":
      return [3, "Medium"];
  }
}

// OCSF status_id: 1 Success, 2 Failure.
function statusOf(outcome: FactOutcome, errorCode: string | undefined): Record<string, unknown> {
  const success = outcome === "ok";
  return {
    status_id: success ? 1 : 2,
    status: success ? "Success" : "Failure",
    status_code: outcome,
    ...(errorCode ? { status_detail: errorCode } : {}),
  };
}

function metadataOf(uid: string, context: { requestId?: string; tenant?: string | undefined }, traced: boolean) {
  return {
    version: OCSF_VERSION,
    uid,
    product: PRODUCT,
    log_name: "audit",
    ...(context.requestId ? { correlation_uid: context.requestId } : {}),
    ...(context.tenant !== undefined ? { tenant_uid: context.tenant } : {}),
    ...(traced ? { profiles: ["trace"] } : {}),
  };
}

function userOf(context: EventContext): Record<string, unknown> | undefined {
  if (context.subject === undefined) return undefined;
  return {
    uid: context.subject,
    type_id: 1,
    type: "User",
    ...(context.keyId ? { credential_uid: context.keyId } : {}),
  };
}

function actorOf(context: EventContext, decision: Decision | undefined): Record<string, unknown> | undefined {
  const user = userOf(context);
  const actor: Record<string, unknown> = {
    ...(user ? { user } : {}),
    ...(context.clientId ? { app_name: context.clientId } : {}),
    ...(decision
      ? { authorizations: [{ decision: decision.allowed ? "allowed" : "denied", policy: { uid: decision.rule } }] }
      : {}),
  };
  return Object.keys(actor).length > 0 ? actor : undefined;
}

function endpointOf(context: EventContext): Record<string, unknown> {
  return {
    ...(context.ip ? { ip: context.ip } : {}),
    ...(context.country ? { location: { country: context.country } } : {}),
    ...(context.asn !== undefined ? { autonomous_system: { number: context.asn } } : {}),
  };
}

function commonOf(context: EventContext): { time: number } & Record<string, unknown> {
  return {
    time: context.time,
    src_endpoint: endpointOf(context),
    http_request: { http_method: "POST", ...(context.userAgent ? { user_agent: context.userAgent } : {}) },
    ...(context.traceId ? { trace: { uid: context.traceId, span: { uid: context.spanId } } } : {}),
  };
}

function classOf(classUid: number, className: string, categoryUid: number, categoryName: string) {
  return { class_uid: classUid, class_name: className, category_uid: categoryUid, category_name: categoryName };
}

function activityOf(classUid: number, className: string, activityId: number, activityName: string) {
  return {
    activity_id: activityId,
    activity_name: activityName,
    type_uid: classUid * 100 + activityId,
    type_name: `${className}: ${activityName}`,
  };
}

function fileObject(path: string): Record<string, unknown> {
  const name = path.split("/").filter(Boolean).at(-1) ?? "/";
  return { name, path };
}

function toFileEvent(fact: FileFact): OcsfEvent {
  // The activity is typed, but a fact may be built from a caller's text (a tool's name): never let an
  // unknown one reach Object.prototype or throw here, after the answer, where the event would be lost.
  const [id, caption] = Object.hasOwn(FILE_ACTIVITIES, fact.activity) ? FILE_ACTIVITIES[fact.activity] : [99, "Other"];
  const name = fact.activity === "other" ? (fact.activityName ?? caption) : caption;
  const [severityId, severity] = severityOf(fact.outcome);
  const [target, result] = fact.paths;
  return {
    ...classOf(6006, "File Hosting Activity", 6, "Application Activity"),
    ...activityOf(6006, "File Hosting Activity", id, name),
    severity_id: severityId,
    severity,
    ...statusOf(fact.outcome, fact.errorCode),
    metadata: metadataOf(fact.uid, fact.context, fact.context.traceId !== undefined),
    ...commonOf(fact.context),
    actor: actorOf(fact.context, fact.decision) ?? {},
    // File Hosting requires `file`; a call that names no path (list_trash) targets the tenant root.
    file: {
      ...fileObject(target ?? "/"),
      ...(fact.sensitivity?.[0] ? { data_classifications: fact.sensitivity.map(dataSecurityOf) } : {}),
    },
    ...(result !== undefined && fact.outcome === "ok" ? { file_result: fileObject(result) } : {}),
    unmapped: {
      tool: fact.tool,
      paths: fact.paths,
      ...(fact.bytesRead !== undefined ? { bytes_read: fact.bytesRead } : {}),
      ...(fact.bytesWritten !== undefined ? { bytes_written: fact.bytesWritten } : {}),
      ...(fact.context.credentialKind ? { credential_kind: fact.context.credentialKind } : {}),
      ...(fact.sensitivity ? { sensitivity: fact.sensitivity } : {}),
    },
  } as OcsfEvent;
}

// auth_protocol_id 6 is "OAUTH 2.0"; anything else is 99 "Other" with its own name.
// Maps, not object literals: the keys come from facts a caller can influence, and a lookup must never
// reach Object.prototype (`constructor`, `toString`).
const AUTH_PROTOCOLS: ReadonlyMap<string, [number, string]> = new Map([
  ["jwt", [6, "OAUTH 2.0"]],
  ["api_key", [99, "API Key"]],
]);

function toAuthenticationEvent(fact: AuthenticationFact): OcsfEvent {
  const outcome: FactOutcome =
    fact.outcome === "success" ? "ok" : fact.outcome === "unavailable" ? "unavailable" : "denied";
  const [severityId, severity] = severityOf(outcome);
  const [protocolId, protocol] = AUTH_PROTOCOLS.get(fact.context.credentialKind ?? "") ?? [0, "Unknown"];
  return {
    ...classOf(3002, "Authentication", 3, "Identity & Access Management"),
    ...activityOf(3002, "Authentication", 1, "Logon"),
    severity_id: severityId,
    severity,
    ...statusOf(outcome, fact.reason),
    metadata: metadataOf(fact.uid, fact.context, fact.context.traceId !== undefined),
    ...commonOf(fact.context),
    // `user` is required: an unauthenticated caller is an unknown user (type_id 0).
    user: userOf(fact.context) ?? { type_id: 0, type: "Unknown" },
    ...(fact.context.clientId ? { actor: { app_name: fact.context.clientId } } : {}),
    auth_protocol_id: protocolId,
    auth_protocol: protocol,
    is_remote: true,
    service: { name: PRODUCT.name },
    ...(fact.authTime !== undefined ? { session: { created_time: fact.authTime * 1000 } } : {}),
    ...(fact.context.credentialKind ? { unmapped: { credential_kind: fact.context.credentialKind } } : {}),
  } as OcsfEvent;
}

// API Activity: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other.
function apiActivityOf(operation: string): [number, string] {
  if (/^(tools|resources|prompts)\/(list|read|templates\/list)$|^server\/discover$|^ping$/.test(operation))
    return [2, "Read"];
  return [99, "Other"];
}

function toApiEvent(fact: ApiFact): OcsfEvent {
  const [id, name] = apiActivityOf(fact.operation);
  const [severityId, severity] = severityOf(fact.outcome);
  return {
    ...classOf(6003, "API Activity", 6, "Application Activity"),
    ...activityOf(6003, "API Activity", id, name),
    severity_id: severityId,
    severity,
    ...statusOf(fact.outcome, fact.errorCode),
    metadata: metadataOf(fact.uid, fact.context, fact.context.traceId !== undefined),
    ...commonOf(fact.context),
    actor: actorOf(fact.context, fact.decision) ?? {},
    api: {
      operation: fact.operation,
      request: { uid: fact.context.requestId },
      response: { code: fact.httpStatus, ...(fact.errorCode ? { error: fact.errorCode } : {}) },
    },
    http_response: { code: fact.httpStatus },
    ...(fact.context.credentialKind ? { unmapped: { credential_kind: fact.context.credentialKind } } : {}),
  } as OcsfEvent;
}

const FINDING_SEVERITY: ReadonlyMap<string, [number, string]> = new Map([
  ["mass_deletion", [4, "High"]],
  ["sensitive_data", [3, "Medium"]],
  ["exfiltration", [4, "High"]],
  ["labelled_reads", [4, "High"]],
]);

function toFindingEvent(fact: FindingFact): OcsfEvent {
  const [severityId, severity] = FINDING_SEVERITY.get(fact.detector) ?? [3, "Medium"];
  return {
    ...classOf(2004, "Detection Finding", 2, "Findings"),
    ...activityOf(2004, "Detection Finding", 1, "Create"),
    time: fact.time,
    severity_id: severityId,
    severity,
    status_id: 1,
    status: "New",
    is_alert: true,
    metadata: metadataOf(fact.uid, { tenant: fact.tenant }, false),
    message: fact.title,
    finding_info: {
      uid: fact.uid,
      title: fact.title,
      desc: fact.description,
      types: [fact.detector],
      created_time: fact.time,
      analytic: { uid: fact.detector, name: fact.detector, type_id: 1, type: "Rule" },
      related_events: fact.evidence.map((uid) => ({ uid })),
    },
    ...(fact.subject !== undefined ? { actor: { user: { uid: fact.subject, type_id: 1, type: "User" } } } : {}),
    ...(fact.ip !== undefined ? { src_endpoint: { ip: fact.ip } } : {}),
    ...(fact.sensitivity
      ? {
          data_security: dataSecurityOf(fact.sensitivity),
          resources: [{ type: "file", name: `/${fact.sensitivity.path}` }],
        }
      : {}),
    unmapped: {
      ...(fact.sensitivity ? { sensitivity: fact.sensitivity } : {}),
      subject_key: fact.subjectKey,
      observed: fact.observed,
      threshold: fact.threshold,
      window_seconds: fact.windowSeconds,
    },
  } as OcsfEvent;
}

export function toOcsfEvent(fact: AuditFact): OcsfEvent {
  switch (fact.kind) {
    case "file":
      return toFileEvent(fact);
    case "authentication":
      return toAuthenticationEvent(fact);
    case "api":
      return toApiEvent(fact);
    case "finding":
      return toFindingEvent(fact);
  }
}
