/**
 * What one isolate builds once for POST /mcp on top of its config (isolate-config.ts): the
 * authenticator (verifiers and bindings, with the JWKS cache) and the limits runtime (the Upstash
 * client). All of it is safe to share between requests and tenants. Loaded with the MCP pipeline, not
 * at module load: the other routes never use it (docs/performance.md, "Startup"); jose itself loads
 * with the first JWT (lazy-jwt-verifier.ts) and the first DPoP proof (dpop-binding.ts).
 */
import { createApiKeyVerifier, createKvApiKeyStore } from "../auth/api-key-verifier";
import type { Authenticator } from "../auth/authenticate-credential";
import { createClientCertificateBinding } from "../auth/client-certificate";
import { createDpopBinding, createSenderConstraintRequirement } from "../auth/dpop-binding";
import { createLazyJwtVerifier } from "../auth/lazy-jwt-verifier";
import { createMemoryReplayCache } from "../auth/replay-cache";
import type { Env } from "../env";
import { createLimitsRuntime, type LimitsRuntime } from "../limits/limits-runtime";
import { createUpstashUsedConfirmations } from "../limits/upstash-confirmations";
import { createUpstashReplayCache } from "../limits/upstash-replay-cache";
import { createMemoryUsedConfirmations, type UsedConfirmations } from "../policy/used-confirmations";
import type { IsolateConfig } from "./isolate-config";

export interface IsolateState extends IsolateConfig {
  readonly authenticator: Authenticator;
  readonly limits: LimitsRuntime;
  /** Confirmations already used (single-use): Upstash when configured, else per isolate (development). */
  readonly usedConfirmations: UsedConfirmations;
}

// Keyed by the env object, like the config it is built from.
const isolateStates = new WeakMap<object, IsolateState>();

function createIsolateState(env: Env, { config, resourceMetadataUrl }: IsolateConfig): IsolateState {
  const limits = createLimitsRuntime(config.limits);
  return {
    config,
    authenticator: {
      verifiers: [
        createLazyJwtVerifier(config),
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
    resourceMetadataUrl,
    limits,
    usedConfirmations: limits.redis ? createUpstashUsedConfirmations(limits.redis) : createMemoryUsedConfirmations(),
  };
}

/** The isolate's state for its (already parsed and valid) config. */
export function isolateState(env: Env, config: IsolateConfig): IsolateState {
  let state = isolateStates.get(env);
  if (!state) {
    state = createIsolateState(env, config);
    isolateStates.set(env, state);
  }
  return state;
}
