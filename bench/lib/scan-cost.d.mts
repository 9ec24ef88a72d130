import type { Goal } from "./goals.mjs";

export interface ReadProfile {
  perRequestMs: number;
  consumerPerRequestMs: number;
  answered: number;
}
export const SCAN_COST_PATH: string;
export function buildScanCostText(root: string): Promise<string>;
export function fitToBytes(text: string, maxBytes: number): string;
export function checkScanCostAnswers(answers: { scanned: string; unscanned: string }): void;
export interface ScanCost {
  scanned: ReadProfile;
  unscanned: ReadProfile;
  bytes: number;
  /** CPU of each workerd process per read, measured before the profiles (no inspector attached). */
  processCpu?: { scannedMs: number; unscannedMs: number; reads: number };
}
export function scanCostGoal(result: ScanCost): Goal;
export function formatScanCost(result: ScanCost): string;
