export const ALIASES: Record<string, string>;
export function unscannedConfig(productToml: string, benchDir: string): string;
export function writeUnscannedConfig(options: {
  productRoot: string;
  benchDir: string;
}): Promise<{ config: string; dir: string }>;
