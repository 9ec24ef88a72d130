export interface Goal {
  goal: string;
  measured?: number;
  target: number;
  unit: "x" | "ms" | "KiB";
  higherIsBetter?: boolean;
  detail?: string;
  missing?: string;
}
export function verdict(goal: Pick<Goal, "measured" | "target" | "higherIsBetter">): "met" | "not met" | "not measured";
export function formatGoals(goals: Goal[]): string;
