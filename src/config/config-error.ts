/**
 * The one error type of configuration parsing: names the variable and the problem, never the value.
 * Shared by every parser in this folder (config.ts, limits-config.ts, env-values.ts); `parseConfig`
 * composes them, and each of them throws this.
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
