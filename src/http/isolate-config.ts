/**
 * What every route needs from the isolate's env: the parsed config and the resource-metadata URL,
 * parsed once per env object. A ConfigError is cached too, so a broken deployment fails fast and
 * uniformly (503 naming the variable) on every route, /healthz reporting it. The credential verifiers
 * and the limiter, which only POST /mcp uses, are built by isolate-state.ts, loaded with that route.
 *
 * The parser (zod, the policy document's schemas, minimatch for its globs, the detector names) is
 * loaded with the isolate's first request, not at module load (docs/performance.md, "Startup"): every
 * request still has its config checked before it is answered. A failed load rejects, and the request
 * fails closed (500), never served without its config.
 */
import type { RequestLog } from "../audit/audit-log";
import type { Config } from "../config/config";
import { ConfigError } from "../config/config-error";
import type { Env } from "../env";
import { loadOnce } from "../loading/load-once";
import { resourceMetadataUrlFor } from "./challenge";
import { HttpError, serviceUnavailable } from "./responses";

export interface IsolateConfig {
  readonly config: Config;
  readonly resourceMetadataUrl: string;
}

export type ConfigParserLoader = () => Promise<(env: Env) => Config>;

const loadConfigParser: ConfigParserLoader = loadOnce(() =>
  import("../config/config").then((module) => module.parseConfig),
);

// Keyed by the env object: one per isolate in production, one per test variant in tests.
const isolateConfigs = new WeakMap<object, IsolateConfig | ConfigError>();

/** `loadParser`: only tests pass their own (to see a failed load fail closed). */
export async function loadConfig(
  env: Env,
  loadParser: ConfigParserLoader = loadConfigParser,
): Promise<IsolateConfig | ConfigError> {
  let loaded = isolateConfigs.get(env);
  if (!loaded) {
    const parseConfig = await loadParser();
    try {
      const config = parseConfig(env);
      loaded = { config, resourceMetadataUrl: resourceMetadataUrlFor(config.audience) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      loaded = error;
    }
    isolateConfigs.set(env, loaded);
  }
  return loaded;
}

/** `shape`: JSON-RPC errors under /mcp, plain JSON `{"error": …}` on every other path. */
export async function requireConfig(
  env: Env,
  log: RequestLog,
  shape: "json-rpc" | "plain" = "json-rpc",
): Promise<IsolateConfig> {
  const loaded = await loadConfig(env);
  if (loaded instanceof ConfigError) {
    log.security({ type: "config_error", reason: loaded.variable });
    log.set({ outcome: "server_error", errorCode: "config_error" });
    // The variable name helps the operator and reveals nothing secret; the value is never echoed.
    throw new HttpError(serviceUnavailable(`Server misconfigured: ${loaded.message}`, shape));
  }
  return loaded;
}
