/** Types for the tests' global setup, which starts the dev authorization server from TypeScript. */
export interface DevAuthServer {
  readonly issuer: string;
  close(): Promise<void>;
}

export function startDevAuthServer(options: {
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** The one resource (MCP URL) tokens are issued for. */
  resource: string;
  /** The ES256 signing key as a private JWK with `kid`. */
  privateJwk: Record<string, unknown>;
  /** Keeps registered clients across restarts; memory only without it. */
  clientsFile?: string;
  /** Browser origins its metadata, registration and token endpoints answer (CORS); none without it. */
  allowedOrigins?: string[];
}): Promise<DevAuthServer>;
