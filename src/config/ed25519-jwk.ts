/**
 * The shapes of the audit trail's Ed25519 keys as JWKs (RFC 8037), parsed at the configuration boundary
 * (AUDIT_SIGNING_KEY) and by the verifier. Schemas only; the signing itself is src/audit/signing-key.ts.
 */
import * as z from "zod";

const base64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 32 bytes, base64url");

export const privateJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  d: base64url32,
  x: base64url32,
});
export const publicJwkSchema = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: base64url32 });

export type PrivateJwk = z.infer<typeof privateJwkSchema>;
export type PublicJwk = z.infer<typeof publicJwkSchema>;
