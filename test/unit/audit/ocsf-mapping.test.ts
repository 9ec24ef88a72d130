/**
 * OCSF mapping per event kind against golden files (test/unit/audit/goldens). A golden changes only on
 * purpose: regenerate it from the fixture and review the diff, because SIEM parsers depend on it.
 */
import { describe, expect, it } from "vitest";
import { toOcsfEvent } from "../../../src/audit/ocsf-mapping";
import { redactEvent } from "../../../src/audit/redaction";
import { GOLDEN_CASES } from "./fixtures";
import apiToolsList from "./goldens/api-tools-list.json";
import authenticationFailure from "./goldens/authentication-failure.json";
import authenticationSuccess from "./goldens/authentication-success.json";
import detectionFinding from "./goldens/detection-finding.json";
import fileDeleteDenied from "./goldens/file-delete-denied.json";
import fileDownload from "./goldens/file-download.json";
import fileList from "./goldens/file-list.json";
import fileMove from "./goldens/file-move.json";

// Reads nested fields of an event without spelling out its OCSF type.
// biome-ignore lint/suspicious/noExplicitAny: test-only access to free-form JSON
type Loose = Record<string, any>;

const GOLDENS: Record<keyof typeof GOLDEN_CASES, unknown> = {
  "file-download": fileDownload,
  "file-move": fileMove,
  "file-delete-denied": fileDeleteDenied,
  "file-list": fileList,
  "authentication-success": authenticationSuccess,
  "authentication-failure": authenticationFailure,
  "api-tools-list": apiToolsList,
  "detection-finding": detectionFinding,
};

describe("OCSF mapping", () => {
  for (const [name, fact] of Object.entries(GOLDEN_CASES)) {
    it(`maps ${name} to its golden event`, () => {
      expect(redactEvent(toOcsfEvent(fact))).toEqual(GOLDENS[name as keyof typeof GOLDEN_CASES]);
    });
  }

  it("uses the schema's class, category and type ids", () => {
    const ids = Object.values(GOLDEN_CASES).map((fact) => {
      const event = toOcsfEvent(fact);
      return [event.class_uid, event.category_uid, event.activity_id, event.type_uid];
    });
    expect(ids).toEqual([
      [6006, 6, 2, 600602],
      [6006, 6, 7, 600607],
      [6006, 6, 4, 600604],
      [6006, 6, 99, 600699],
      [3002, 3, 1, 300201],
      [3002, 3, 1, 300201],
      [6003, 6, 2, 600302],
      [2004, 2, 1, 200401],
    ]);
  });

  it("names the deciding rule and the outcome on a refusal", () => {
    const event = toOcsfEvent(GOLDEN_CASES["file-delete-denied"]) as Loose;
    expect(event.status_id).toBe(2);
    expect(event.status_detail).toBe("insufficient_scope");
    expect(event.actor.authorizations).toEqual([{ decision: "denied", policy: { uid: "scope:files:delete" } }]);
    // A refused move has no result object: nothing was produced.
    expect(event.file_result).toBeUndefined();
  });

  it("carries the trace id only when the client sent one", () => {
    expect((toOcsfEvent(GOLDEN_CASES["file-download"]) as Loose).trace).toEqual({
      uid: "4bf92f3577b34da6a3ce929d0e0e4736",
      span: { uid: "00f067aa0ba902b7" },
    });
    expect((toOcsfEvent(GOLDEN_CASES["file-move"]) as Loose).trace).toBeUndefined();
  });

  it("maps an API key credential and an unknown tool without losing the call", () => {
    const fact = {
      ...GOLDEN_CASES["file-list"],
      tool: "frobnicate",
      activityName: "frobnicate",
      context: { ...GOLDEN_CASES["file-list"].context, credentialKind: "api_key" },
    };
    const event = toOcsfEvent(fact) as Loose;
    expect(event.activity_name).toBe("frobnicate");
    expect(event.unmapped.tool).toBe("frobnicate");
    const auth = toOcsfEvent({ ...GOLDEN_CASES["authentication-success"], context: fact.context }) as Loose;
    expect([auth.auth_protocol_id, auth.auth_protocol]).toEqual([99, "API Key"]);
  });
});
