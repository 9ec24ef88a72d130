/** Facts shared by the golden-file tests and the redaction tests: fixed ids and clock, no randomness. */
import type { ApiFact, AuthenticationFact, EventContext, FileFact, FindingFact } from "../../../src/audit/audit-facts";

export const CONTEXT: EventContext = {
  time: Date.UTC(2026, 10, 30, 9, 15, 0),
  requestId: "5b0f5d4e-6f1a-4c7e-9d2b-1f2e3d4c5b6a",
  tenant: "acme",
  subject: "alice",
  clientId: "claude-desktop",
  credentialKind: "jwt",
  keyId: "idp-2026-11",
  ip: "203.0.113.9",
  userAgent: "mcp-client/2.4",
  country: "DE",
  asn: 64500,
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
};

export const FILE_DOWNLOAD: FileFact = {
  kind: "file",
  uid: "e1000000-0000-4000-8000-000000000001",
  context: CONTEXT,
  tool: "read_text_file",
  activity: "download",
  paths: ["/payroll/2026-11.csv"],
  bytesRead: 5120,
  outcome: "ok",
  decision: { allowed: true, rule: "scope:files:read" },
};

export const FILE_MOVE: FileFact = {
  kind: "file",
  uid: "e1000000-0000-4000-8000-000000000002",
  context: { ...CONTEXT, traceId: undefined, spanId: undefined },
  tool: "move_file",
  activity: "move",
  paths: ["/drafts/q3.md", "/final/q3.md"],
  outcome: "ok",
  decision: { allowed: true, rule: "scope:files:write" },
};

export const FILE_DELETE_DENIED: FileFact = {
  kind: "file",
  uid: "e1000000-0000-4000-8000-000000000003",
  context: CONTEXT,
  tool: "delete_file",
  activity: "delete",
  paths: ["/payroll"],
  outcome: "denied",
  errorCode: "insufficient_scope",
  decision: { allowed: false, rule: "scope:files:delete" },
};

export const FILE_LIST: FileFact = {
  kind: "file",
  uid: "e1000000-0000-4000-8000-000000000004",
  context: CONTEXT,
  tool: "list_directory",
  activity: "other",
  activityName: "List",
  paths: ["/"],
  outcome: "ok",
  decision: { allowed: true, rule: "scope:files:read" },
};

export const AUTH_SUCCESS: AuthenticationFact = {
  kind: "authentication",
  uid: "e1000000-0000-4000-8000-000000000005",
  context: CONTEXT,
  outcome: "success",
  authTime: 1_764_490_000,
};

export const AUTH_FAILURE: AuthenticationFact = {
  kind: "authentication",
  uid: "e1000000-0000-4000-8000-000000000006",
  context: {
    time: CONTEXT.time,
    requestId: CONTEXT.requestId,
    ip: "198.51.100.7",
    userAgent: "curl/8.5.0",
  },
  outcome: "failure",
  reason: "bad_signature",
};

export const API_TOOLS_LIST: ApiFact = {
  kind: "api",
  uid: "e1000000-0000-4000-8000-000000000007",
  context: CONTEXT,
  operation: "tools/list",
  httpStatus: 200,
  outcome: "ok",
};

export const FINDING: FindingFact = {
  kind: "finding",
  uid: "e1000000-0000-4000-8000-000000000008",
  time: CONTEXT.time + 60_000,
  detector: "failed_auth_ip",
  title: "20 failed authentications from 198.51.100.7 in 5 minutes",
  description: "Failed authentications from one IP reached the threshold (20 in 300 s): token guessing?",
  subjectKey: "ip:198.51.100.7",
  ip: "198.51.100.7",
  observed: 20,
  threshold: 20,
  windowSeconds: 300,
  evidence: ["e1000000-0000-4000-8000-000000000006"],
};

export const GOLDEN_CASES = {
  "file-download": FILE_DOWNLOAD,
  "file-move": FILE_MOVE,
  "file-delete-denied": FILE_DELETE_DENIED,
  "file-list": FILE_LIST,
  "authentication-success": AUTH_SUCCESS,
  "authentication-failure": AUTH_FAILURE,
  "api-tools-list": API_TOOLS_LIST,
  "detection-finding": FINDING,
} as const;
