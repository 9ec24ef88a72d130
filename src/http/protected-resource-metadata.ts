/** RFC 9728 Protected Resource Metadata for the MCP endpoint. Pure. */
import { SCOPES } from "../auth/principal";
import type { Config } from "../config/config";

export function protectedResourceMetadata(config: Config): Record<string, unknown> {
  return {
    resource: config.audience,
    authorization_servers: [config.issuer],
    scopes_supported: [...SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: "R2 Files MCP server",
  };
}
