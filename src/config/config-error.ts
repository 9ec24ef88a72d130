/**
 * The one error type of configuration parsing: names the variable and the problem, never the value.
 * Its own module so the limits config (src/limits/limits-config.ts) can throw it without an import cycle.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
  }
}

export type Environment = "production" | "development";
