/** Types for the unit test of the dev port settings. */
export const DEFAULT_PORT: number;
/** The MCP Inspector web UI's origins, always allowed in dev. */
export const INSPECTOR_ORIGINS: readonly string[];

export interface DevSettings {
  readonly port: number;
  readonly authPort: number;
  readonly origin: string;
  readonly audience: string;
  readonly issuer: string;
  /** Browser origins both dev servers allow: the Inspector's plus ALLOWED_ORIGINS. */
  readonly allowedOrigins: string[];
  /** The arguments left for wrangler. */
  readonly rest: string[];
}

export function resolveDevSettings(argv?: readonly string[], env?: Record<string, string | undefined>): DevSettings;

export function persistDirOf(args: readonly string[]): string | undefined;
