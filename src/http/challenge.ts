/**
 * `WWW-Authenticate: Bearer …` challenges (RFC 6750 §3, RFC 9728 §5.1, RFC 9470 §3 step-up). Pure.
 * Values are quoted-strings (RFC 9110 §5.6.4): `"` and `\` are backslash-escaped and control characters
 * are dropped, so no value can end the string early or split the header.
 */
export type BearerError =
  | "invalid_request"
  | "invalid_token"
  | "insufficient_scope"
  | "insufficient_user_authentication";

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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, "");
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

/**
 * RFC 9728 §3.1: the metadata URL inserts `/.well-known/oauth-protected-resource` between the host and
 * the resource's path (`https://h/mcp` → `https://h/.well-known/oauth-protected-resource/mcp`).
 */
export function resourceMetadataUrlFor(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}
