/**
 * Stand-in for `ajv`, aliased in wrangler.toml and vitest.config.ts. The SDK's `Server` imports ajv
 * statically although we always pass the Cloudflare validator, and ajv cannot work on Workers anyway
 * (it compiles validators with `new Function`). Aliasing it away takes 30 KiB (16 KiB gzip) off the deploy
 * bundle that every cold start parses. Constructing it is a bug, so it fails loudly.
 */
export default class AjvUnavailable {
  constructor() {
    throw new Error("ajv is not bundled: Workers forbid runtime code generation; pass CfWorkerJsonSchemaValidator");
  }
}
