/**
 * `WWW-Authenticate` challenges: `Bearer …` (RFC 6750 §3, RFC 9728 §5.1) and `DPoP …` (RFC 9449 §7.1).
 * Pure.
 * Values are quoted-strings (RFC 9110 §5.6.4): `"` and `\` are backslash-escaped and control characters
 * are dropped, so no value can end the string early or split the header.
 */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";
/** RFC 9449 §7.1 adds `invalid_dpop_proof` for the DPoP scheme. */
export type DpopError = "invalid_request" | "invalid_token" | "invalid_dpop_proof";

export interface BearerChallenge {
  readonly resourceMetadataUrl: string;
  readonly scope?: string;
  readonly error?: BearerError;
  readonly errorDescription?: string;
}

export function quoteHeaderValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, "");
  return `"${printable.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

export function buildBearerChallenge(challenge: BearerChallenge): string {
  const params: [string, string][] = [];
  if (challenge.error) params.push(["error", challenge.error]);
  if (challenge.errorDescription) params.push(["error_description", challenge.errorDescription]);
  if (challenge.scope) params.push(["scope", challenge.scope]);
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
