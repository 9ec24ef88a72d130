/** Types for the unit test of the dependency-audit gate's judgement. */
export interface AdvisoryVerdict {
  readonly ok: boolean;
  readonly lines: string[];
}
export function advisoryVerdict(
  status: number | null,
  stdout: string,
  options: { readonly requireAnswer: boolean },
): AdvisoryVerdict;
