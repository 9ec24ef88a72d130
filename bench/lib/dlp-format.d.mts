export interface ScanResult {
  input: string;
  bytes: number;
  /** CPU seconds per scan: the median over the rounds. */
  cpu: number;
  wall: number;
  /** How many rounds the median is of, and their lowest and highest CPU seconds per scan. */
  rounds?: number;
  cpuRange?: [number, number];
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
