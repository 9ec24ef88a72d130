/** The Worker's bindings and variables (wrangler.toml, `.dev.vars`, dashboard secrets). */
import type { ConfigEnv } from "./config/config";

export interface Env extends ConfigEnv {
  FILES: R2Bucket;
  /** API key records (`npm run keys`); without the binding every API key is refused as unknown. */
  API_KEYS?: KVNamespace;
}
