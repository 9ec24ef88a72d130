export interface ScanResult {
  input: string;
  bytes: number;
  /** CPU seconds per scan. */
  cpu: number;
  wall: number;
}
export const SCAN_BUDGET_MS: number;
export const SCAN_TARGET_MIB_S: number;
export function dlpGoalLines(results: ScanResult[], loadAverage?: string): string[];
export function formatDlp(run: {
  results: ScanResult[];
  corpus: {
    documents: number;
    bytes: number;
    missed: number;
    spurious: number;
    byCategory: Record<
      string,
      {
        precision: number;
        recall: number;
        truePositives: number;
        falsePositives: number;
        recalled: number;
        labels: number;
      }
    >;
  };
  loadAverage?: string;
}): string;
