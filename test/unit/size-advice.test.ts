/** The shared wording of size errors (src/files/size-advice.ts) and the quota refusals built on it. */
import { describe, expect, it } from "vitest";
import { formatBytes, MAX_APPENDED_FILE_BYTES, writeInParts } from "../../src/files/size-advice";
import { quotaError } from "../../src/http/admission";
import { MAX_APPEND_RESULT_BYTES } from "../../src/sandbox/sandbox-append";

const RESETS = Date.UTC(2026, 11, 2);

describe("size advice", () => {
  it("states the cap append_file really enforces", () => {
    expect(MAX_APPENDED_FILE_BYTES).toBe(MAX_APPEND_RESULT_BYTES);
    expect(writeInParts()).toMatch(/parts of at most 4 MiB: write_file .* append_file .* 64 MiB/);
    expect(writeInParts(16)).toContain("parts of at most 16 bytes");
  });

  it("formats caps", () => {
    expect(formatBytes(6 * 1024 * 1024)).toBe("6 MiB");
    expect(formatBytes(4096)).toBe("4096 bytes");
  });
});

describe("quota_exceeded says whether a smaller call or parts can help", () => {
  it("bytes written: how much is left today, and that append_file can add part by part", () => {
    const error = quotaError({ name: "bytesWritten", limit: 1000, used: 900, resetsAt: RESETS });
    expect(error.code).toBe("quota_exceeded");
    expect(error.message).toMatch(/This call was not run\. 100 bytes remain today.*append_file.*resets at 2026-12-02/);
  });

  it("writes: that parts do not help, since every call counts", () => {
    const error = quotaError({ name: "writes", limit: 2, used: 2, resetsAt: RESETS });
    expect(error.message).toMatch(/Every write_file and append_file call counts as one write/);
  });
});
