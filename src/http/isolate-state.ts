/**
 * What one isolate builds once from its env: the parsed config, the authenticator (verifiers and
 * bindings, with the JWKS cache), the resource-metadata URL and the limits runtime. All of it is safe to
 * share between requests and tenants. A ConfigError is cached too, so a broken deployment fails fast and
 * uniformly (503 naming the variable).
 */
import type { RequestLog } from "../audit/audit-log";
import { createApiKeyVerifier, createKvApiKeyStore } from "../auth/api-key-verifier";
import type { Authenticator } from "../auth/authenticate-credential";
import { createClientCertificateBinding } from "../auth/client-certificate";
import { createDpopBinding, createSenderConstraintRequirement } from "../auth/dpop-binding";
import { createJwtVerifier } from "../auth/jwt-verifier";
import { createMemoryReplayCache } from "../auth/replay-cache";
import { withVerifiedTokenCache } from "../auth/verified-token-cache";
import { type Config, ConfigError, parseConfig } from "../config/config";
import type { Env } from "../env";
import { createLimitsRuntime, type LimitsRuntime } from "../limits/limits-runtime";
import { createUpstashUsedConfirmations } from "../limits/upstash-confirmations";
import { createUpstashReplayCache } from "../limits/upstash-replay-cache";
import { createMemoryUsedConfirmations, type UsedConfirmations } from "../policy/confirmation";
import { resourceMetadataUrlFor } from "./challenge";
import { HttpError, serviceUnavailable } from "./responses";

export interface IsolateState {
  readonly config: Config;
  readonly authenticator: Authenticator;
  readonly resourceMetadataUrl: string;
  readonly limits: LimitsRuntime;
  /** Confirmations already used (single-use): Upstash when configured, else per isolate (development). */
  readonly usedConfirmations: UsedConfirmations;
}

// Keyed by the env object: one per isolate in production, one per test variant in tests.
const isolateStates = new WeakMap<object, IsolateState | ConfigError>();

function createIsolateState(env: Env): IsolateState {
  const config = parseConfig(env);
  const limits = createLimitsRuntime(config.limits);
  return {
    config,
    authenticator: {
      verifiers: [
        withVerifiedTokenCache(createJwtVerifier(config), {
          audience: config.audience,
          clockToleranceSeconds: config.clockToleranceSeconds,
        }),
        createApiKeyVerifier(env.API_KEYS ? createKvApiKeyStore(env.API_KEYS) : undefined, {
          revokedKeyIds: config.credentials.revokedApiKeyIds,
          declaredRoles: new Set(config.policy.roles.keys()),
        }),
      ],
      bindings: [
        createClientCertificateBinding({
          mode: config.credentials.mtlsMode,
          allowedFingerprints: config.credentials.mtlsCertificateFingerprints,
        }),
        createDpopBinding(limits.redis ? createUpstashReplayCache(limits.redis) : createMemoryReplayCache()),
        ...(config.credentials.requireSenderConstrainedTokens ? [createSenderConstraintRequirement()] : []),
      ],
    },
    resourceMetadataUrl: resourceMetadataUrlFor(config.audience),
    limits,
    usedConfirmations: limits.redis ? createUpstashUsedConfirmations(limits.redis) : createMemoryUsedConfirmations(),
  };
}

export function loadState(env: Env): IsolateState | ConfigError {
  let state = isolateStates.get(env);
  if (!state) {
    try {
      state = createIsolateState(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      state = error;
    }
    isolateStates.set(env, state);
  }
  return state;
}

/** `shape`: JSON-RPC errors under /mcp, plain JSON `{"error": …}` on every other path. */
export function requireState(env: Env, log: RequestLog, shape: "json-rpc" | "plain" = "json-rpc"): IsolateState {
  const state = loadState(env);
  if (state instanceof ConfigError) {
    log.security({ type: "config_error", reason: state.variable });
    log.set({ outcome: "server_error", errorCode: "config_error" });
    // The variable name helps the operator and reveals nothing secret; the value is never echoed.
    throw new HttpError(serviceUnavailable(`Server misconfigured: ${state.message}`, shape));
  }
  return state;
}
