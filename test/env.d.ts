// Types `env` from "cloudflare:workers" in tests as the Worker's own Env.
import type { Env as WorkerEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
