/**
 * The two kinds of failure a tool can have, kept apart so they map differently (invariant 3, docs/architecture.md):
 * - `ToolError`: the caller's request cannot be done (missing file, bad path, conflict). Returned to the
 *   model as a tool result with `isError`, a stable code and a message that helps it correct itself.
 * - `DependencyUnavailableError`: our storage or limiter is down. Mapped to JSON-RPC -32603 and HTTP 503
 *   with Retry-After; the detail goes to the log only.
 * Anything else is a bug: -32603 / HTTP 500 with a generic message and the request id.
 */
export type ToolErrorCode =
  | "invalid_arguments"
  | "invalid_path"
  | "not_found"
  | "not_a_file"
  | "not_a_directory"
  | "already_exists"
  | "directory_not_empty"
  | "conflict"
  | "too_large"
  | "too_complex"
  | "not_text"
  | "edit_not_found"
  | "edit_ambiguous"
  | "redacted_content"
  | "quota_exceeded"
  | "limit_reached"
  | "forbidden"
  | "policy_denied"
  | "certificate_required"
  | "confirmation_required"
  | "confirmation_declined"
  | "confirmation_invalid";

export class ToolError extends Error {
  override readonly name = "ToolError";
  constructor(
    readonly code: ToolErrorCode,
    message: string,
    /** Extra machine-readable fields for structured error results; never file content or credentials. */
    readonly details: Readonly<Record<string, string | number | boolean>> = {},
  ) {
    super(message);
  }
}

export type Dependency = "r2" | "upstash" | "jwks" | "workflows";

export class DependencyUnavailableError extends Error {
  override readonly name = "DependencyUnavailableError";
  constructor(
    readonly dependency: Dependency,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} unavailable`, options);
  }
}
