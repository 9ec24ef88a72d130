/**
 * Captures the Worker's structured log lines (it logs with console.log) for assertions.
 *
 * A request line carries its security events in a `security` array; `records()` also lists each of
 * them as a record of its own (`kind: "security"`, with the request's id, tenant and subject), so tests
 * can look for an event without caring whether it was written inside the request line or after it.
 * `lineRecords()` is the lines exactly as written.
 */
import { vi } from "vitest";

export interface CapturedLogs {
  readonly lines: string[];
  records(): Record<string, unknown>[];
  lineRecords(): Record<string, unknown>[];
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  const lineRecords = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    lines,
    lineRecords,
    records: () =>
      lineRecords().flatMap((record) => {
        const events = Array.isArray(record.security) ? (record.security as Record<string, unknown>[]) : [];
        const { requestId, tenant, subject } = record;
        return [record, ...events.map((event) => ({ kind: "security", requestId, tenant, subject, ...event }))];
      }),
    restore: () => spy.mockRestore(),
  };
}
