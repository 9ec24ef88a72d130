/// <reference types="vite/client" />
/**
 * One list of served revisions (src/mcp/protocol-revisions.ts): the SDK implements each of them, and
 * docs/protocol.md's era table names exactly them, in the same order. The wire answers built from the
 * list (server/discover, -32022, initialize) are checked in test/integration/protocol/modern-wire.test.ts.
 */
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { describe, expect, it } from "vitest";
import protocolDoc from "../../docs/protocol.md?raw";
import {
  HEADERLESS_REVISION,
  LEGACY_REVISIONS,
  MODERN_REVISIONS,
  SERVED_REVISIONS,
} from "../../src/mcp/protocol-revisions";

/** The backticked revisions of the era table's row whose first cell is `era`. */
function documentedRevisions(era: string): string[] {
  const row = protocolDoc.split("\n").find((line) => new RegExp(`^\\|\\s*${era}\\s*\\|`).test(line));
  if (!row) throw new Error(`docs/protocol.md has no era table row for ${era}`);
  const revisionsCell = row.split("|")[2] ?? "";
  return [...revisionsCell.matchAll(/`(\d{4}-\d{2}-\d{2})`/g)].map((match) => match[1]!);
}

describe("served protocol revisions", () => {
  it("are newest first, modern before legacy, without duplicates", () => {
    expect(SERVED_REVISIONS).toEqual([...MODERN_REVISIONS, ...LEGACY_REVISIONS]);
    expect([...SERVED_REVISIONS].sort().reverse()).toEqual([...SERVED_REVISIONS]);
    expect(new Set(SERVED_REVISIONS).size).toBe(SERVED_REVISIONS.length);
  });

  it("are implemented by the SDK (its initialize list for the legacy ones)", () => {
    for (const revision of LEGACY_REVISIONS) expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(revision);
    expect(LEGACY_REVISIONS).toContain(HEADERLESS_REVISION);
  });

  it("are the ones docs/protocol.md's era table names", () => {
    expect(documentedRevisions("modern")).toEqual([...MODERN_REVISIONS]);
    expect(documentedRevisions("2025")).toEqual([...LEGACY_REVISIONS]);
  });
});
