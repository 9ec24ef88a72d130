/**
 * What `GET /` answers: what this server is and where a client starts (the MCP endpoint and its RFC 9728
 * metadata). Pure, and public by construction: every value here is also in the protected resource
 * metadata or the challenge headers.
 */
import type { Config } from "../config/config";

export function serverInfo(config: Config, resourceMetadataUrl: string): Record<string, unknown> {
  return {
    name: "r2-files-mcp",
    description:
      "Remote MCP server (streamable HTTP): a file system on Cloudflare R2 for OAuth-authorized agents, one sandbox per tenant.",
    mcp_endpoint: config.audience,
    protected_resource_metadata: resourceMetadataUrl,
    authorization_servers: [config.issuer],
    health: `${new URL(config.audience).origin}/healthz`,
  };
}
