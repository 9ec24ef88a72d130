/** RFC 9728 Protected Resource Metadata for the MCP endpoint. Pure. */
import { DPOP_ALGORITHMS } from "../auth/algorithms";
import { SCOPES } from "../auth/principal";
import type { Config } from "../config/config";

export function protectedResourceMetadata(config: Config): Record<string, unknown> {
  return {
    resource: config.audience,
    authorization_servers: [config.issuer],
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ["header"],
    // RFC 9728 §2: the proof algorithms we accept, and that certificate-bound tokens work here.
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    tls_client_certificate_bound_access_tokens: true,
    resource_name: "R2 Files MCP server",
  };
}
