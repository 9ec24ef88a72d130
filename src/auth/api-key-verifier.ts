/**
 * API key → Principal. The key is parsed (format in api-key-record.ts), its record read from KV, the
 * secret's hash compared in constant time with the current secret and, within its grace period, the
 * previous one; then revocation and expiry. The secret is checked first, so the audit log says
 * "revoked" or "expired" only for someone who holds the real key. A key on the deployment's
 * `API_KEYS_REVOKED` list is refused before KV is read: that list takes effect with the deployment,
 * while KV changes can take up to a minute to reach every location (docs/authentication.md).
 *
 * The Principal: the record's subject and tenant, its scopes and role, credential kind `api_key` and the
 * keyId (rate limits count per key).
 */
import { isValidTenantId } from "../sandbox/tenant-prefix";
import { apiKeyRecordSchema, hashSecret, isApiKeyShaped, kvKeyOf, parseApiKey, stateOf } from "./api-key-record";
import { type AuthResult, authFailure, authSuccess } from "./auth-failure";
import { constantTimeEqual } from "./constant-time";
import type { CredentialVerifier } from "./credential-verifier";
import type { Principal } from "./principal";

/** Where records come from; `get` throws `ApiKeyStoreUnavailableError` when the store cannot answer. */
export interface ApiKeyStore {
  get(keyId: string): Promise<unknown>;
}

export class ApiKeyStoreUnavailableError extends Error {
  override readonly name = "ApiKeyStoreUnavailableError";
  readonly code = "ERR_API_KEY_STORE_UNAVAILABLE";
}

export function createKvApiKeyStore(kv: KVNamespace): ApiKeyStore {
  return {
    async get(keyId) {
      try {
        return await kv.get(kvKeyOf(keyId), { type: "json" });
      } catch (cause) {
        throw new ApiKeyStoreUnavailableError("API key store unavailable", { cause });
      }
    },
  };
}

/** No API_KEYS binding: every key is unknown (fail closed, nothing to switch on or off). */
const NO_STORE: ApiKeyStore = { get: async () => null };

export interface ApiKeyVerifierOptions {
  /** keyIds refused without reading KV (var API_KEYS_REVOKED). */
  readonly revokedKeyIds: ReadonlySet<string>;
  /**
   * The roles ACCESS_POLICY declares. A role key is granted every scope and the policy narrows it to the
   * role's (docs/policy.md); a role the policy does not declare would narrow nothing, so it is refused.
   */
  readonly declaredRoles: ReadonlySet<string>;
}

export function createApiKeyVerifier(
  store: ApiKeyStore | undefined,
  options: ApiKeyVerifierOptions,
): CredentialVerifier {
  const records = store ?? NO_STORE;
  return {
    kind: "api_key",
    matches: isApiKeyShaped,
    async verify(token, now): Promise<AuthResult<Principal>> {
      const key = parseApiKey(token);
      if (!key) return authFailure("malformed_api_key");
      if (options.revokedKeyIds.has(key.keyId)) return authFailure("api_key_revoked");
      let raw: unknown;
      try {
        raw = await records.get(key.keyId);
      } catch (error) {
        if (error instanceof ApiKeyStoreUnavailableError) return authFailure("api_key_store_unavailable");
        throw error;
      }
      if (raw === null || raw === undefined) return authFailure("unknown_api_key");
      const parsed = apiKeyRecordSchema.safeParse(raw);
      if (!parsed.success || parsed.data.keyId !== key.keyId) return authFailure("api_key_record_invalid");
      const record = parsed.data;
      const presented = await hashSecret(key.keyId, key.secret);
      // Every stored hash is compared, so timing does not tell which one matched.
      let matched: (typeof record.secrets)[number] | undefined;
      for (const secret of record.secrets) if (constantTimeEqual(secret.hash, presented)) matched = secret;
      if (!matched) return authFailure("api_key_secret_mismatch");
      const nowSeconds = Math.floor(now.getTime() / 1000);
      const state = stateOf(record, nowSeconds);
      if (state === "revoked") return authFailure("api_key_revoked");
      if (state === "expired") return authFailure("api_key_expired");
      if (matched.notAfter !== undefined && matched.notAfter <= nowSeconds) return authFailure("api_key_rotated");
      if (!isValidTenantId(record.tenant)) return authFailure("invalid_tenant");
      if (record.role !== undefined && !options.declaredRoles.has(record.role))
        return authFailure("api_key_role_undeclared");
      return authSuccess({
        subject: record.subject,
        tenant: record.tenant,
        scopes: new Set(record.scopes),
        roles: record.role ? [record.role] : [],
        clientId: undefined,
        authTime: undefined,
        acr: undefined,
        credentialKind: "api_key",
        keyId: record.keyId,
        certificateThumbprint: record.certificateThumbprint,
        expiresAt: record.expiresAt ?? Number.POSITIVE_INFINITY,
      });
    },
  };
}
