/**
 * The URL rule every URL setting follows: https, or http to a loopback host only when
 * ENVIRONMENT=development says so explicitly (DESIGN invariant 4). The value is never echoed.
 */
import { ConfigError, type Environment } from "./config-error";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function parseUrlSetting(name: string, raw: string, environment: Environment): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "must be an absolute URL");
  }
  if (url.protocol === "https:") return url;
  if (environment === "development" && url.protocol === "http:" && LOOPBACK.has(url.hostname)) return url;
  throw new ConfigError(name, "must use https (http is accepted only for loopback hosts with ENVIRONMENT=development)");
}
