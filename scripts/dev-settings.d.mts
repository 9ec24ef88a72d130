/** Types for the unit test of the dev port settings. */
export const DEFAULT_PORT: number;

export interface DevSettings {
  readonly port: number;
  readonly authPort: number;
  readonly origin: string;
  readonly audience: string;
  readonly issuer: string;
  /** The arguments left for wrangler. */
  readonly rest: string[];
}

export function resolveDevSettings(argv?: readonly string[], env?: Record<string, string | undefined>): DevSettings;

export function persistDirOf(args: readonly string[]): string | undefined;
