/**
 * Vitest globalSetup: the dev authorization server (scripts/dev-auth, oidc-provider) for the test run,
 * in this Node process, issuing tokens for the suite's audience with a key made for this run.
 *
 * It listens on a free loopback port (port 0) rather than a fixed one, so parallel `npm test` runs on a
 * shared machine never collide. Test files in workerd reach it over HTTP; they get its issuer URL via
 * `inject("devAuthIssuer")`.
 */
import { exportJWK, generateKeyPair } from "jose";
import type { TestProject } from "vitest/node";
import { startDevAuthServer } from "../../scripts/dev-auth/server.mjs";
import { AUDIENCE } from "./tokens";

declare module "vitest" {
  export interface ProvidedContext {
    /** The dev authorization server's issuer (`http://127.0.0.1:<port>`); tokens are for AUDIENCE. */
    devAuthIssuer: string;
  }
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: "dev-auth-test", alg: "ES256", use: "sig" };
  // The origin makeEnv() allows on the Worker (test/support/worker.ts): one list for both servers, as in npm run dev.
  const server = await startDevAuthServer({
    port: 0,
    resource: AUDIENCE,
    privateJwk,
    allowedOrigins: ["https://app.example.test"],
  });
  provide("devAuthIssuer", server.issuer);
  return () => server.close();
}
