/**
 * `WWW-Authenticate` challenges: `Bearer …` (RFC 6750 §3, RFC 9728 §5.1, RFC 9470 §3 step-up) and `DPoP …`
 * (RFC 9449 §7.1). Pure.
 * Values are quoted-strings (RFC 9110 §5.6.4): `"` and `\` are backslash-escaped, and everything outside
 * printable ASCII is dropped, as RFC 6750 §3 allows only %x20-7E in `scope` and `error_description`. So no
 * value can end the string early, split the header, or make `Headers` refuse (or re-encode) it.
 */
import { SCOPES } from "../auth/principal";

export type BearerError =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "insufficient_user_authentication";
/** RFC 9449 §7.1 adds `invalid_dpop_proof` for the DPoP scheme. */
export type DpopError = "invalid_request" | "invalid_token" | "invalid_dpop_proof";

export interface BearerChallenge {
  readonly resourceMetadataUrl: string;
  readonly scope?: string;
  readonly error?: BearerError;
  readonly errorDescription?: string;
  /** RFC 9470 §3: the authentication must be at most this many seconds old. */
  readonly maxAge?: number;
  /** RFC 9470 §3: acceptable authentication context classes, space-separated on the wire. */
  readonly acrValues?: readonly string[];
}

export function quoteHeaderValue(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "");
  return `"${printable.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

export function buildBearerChallenge(challenge: BearerChallenge): string {
  const params: [string, string][] = [];
  if (challenge.error) params.push(["error", challenge.error]);
  if (challenge.errorDescription) params.push(["error_description", challenge.errorDescription]);
  if (challenge.scope) params.push(["scope", challenge.scope]);
  if (challenge.maxAge !== undefined) params.push(["max_age", String(challenge.maxAge)]);
  if (challenge.acrValues && challenge.acrValues.length > 0) params.push(["acr_values", challenge.acrValues.join(" ")]);
  params.push(["resource_metadata", challenge.resourceMetadataUrl]);
  return `Bearer ${params.map(([name, value]) => `${name}=${quoteHeaderValue(value)}`).join(", ")}`;
}

export interface DpopChallenge {
  /** The JWS algorithms we accept for proofs (`algs`, space-separated). */
  readonly algorithms: readonly string[];
  readonly error?: DpopError;
  readonly errorDescription?: string;
}

export function buildDpopChallenge(challenge: DpopChallenge): string {
  const params: [string, string][] = [];
  if (challenge.error) params.push(["error", challenge.error]);
  if (challenge.errorDescription) params.push(["error_description", challenge.errorDescription]);
  params.push(["algs", challenge.algorithms.join(" ")]);
  return `DPoP ${params.map(([name, value]) => `${name}=${quoteHeaderValue(value)}`).join(", ")}`;
}

/**
 * RFC 9728 §3.1: the metadata URL inserts `/.well-known/oauth-protected-resource` between the host and
 * the resource's path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function resourceMetadataUrlFor(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/**
 * The `scope` of a 403 `insufficient_scope` challenge: the file scopes the caller already holds plus the
 * one this call needs, in canonical order. MCP 2025-11-25 ("Scope Challenge Handling") recommends
 * existing + new, because clients that re-authorize with exactly the challenged scope (SDK 1.x does)
 * would otherwise trade `files:read` for `files:delete` and step up again on the next read.
 */
export function stepUpScope(granted: ReadonlySet<string>, needed: string): string {
  return SCOPES.filter((scope) => scope === needed || granted.has(scope)).join(" ");
}
