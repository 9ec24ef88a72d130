export interface ColdRow {
  eval: number;
  first: number;
  warm: number;
}
export interface FirstRequestSummary {
  evalMs: number;
  firstMs: number;
  warmMs: number;
  onceMs: number;
  coldTotalMs: number;
  runs: number;
}
export interface StartupFigures {
  gzipBytes: number;
  activeMs: number;
  actives: number[];
  nodeCpuMs: number;
  nodeCpus: number[];
  firstRequests?: Record<string, FirstRequestSummary>;
}
export function summarizeFirstRequests(results: Record<string, ColdRow[]>): Record<string, FirstRequestSummary>;
export function formatFirstRequests(firstRequests: Record<string, FirstRequestSummary>): string[];
export function formatStartupComparison(before: StartupFigures, after: StartupFigures): string;
