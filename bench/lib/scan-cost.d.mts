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
export function scanCostGoal(result: { scanned: ReadProfile; unscanned: ReadProfile; bytes: number }): Goal;
export function formatScanCost(result: { scanned: ReadProfile; unscanned: ReadProfile; bytes: number }): string;
