export function ownerOfSource(source: string, options?: { files?: boolean }): string;
export function attributeProfile(
  profile: { nodes: unknown[]; samples: number[]; timeDeltas: number[] },
  map: { originalPositionFor(position: { line: number; column: number }): { source: string | null } },
  options?: {
    files?: boolean;
    viaCaller?: Set<string>;
    isSide?: (source: string) => boolean;
    bundleFile?: string;
  },
): { active: number; self: Map<string, number>; inclusive: Map<string, number>; side: number };
