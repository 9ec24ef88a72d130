/**
 * Confirmations bound to the call (MCP 2026-07-28 `input_required`). What the server asks a human to
 * confirm travels to the client and back as `requestState`, sealed with the SDK's HMAC-SHA-256 codec
 * (`createRequestStateCodec`, key CONFIRMATION_SECRET, ten minutes): integrity and expiry are checked by
 * the SDK before the handler runs (-32602 otherwise). The payload names the caller (tenant, subject,
 * client), the tool, a SHA-256 of the parsed arguments (canonical JSON, keys sorted), the policy rule and
 * a SHA-256 of the exact text the human saw; the seam accepts an answer only when all of them match the
 * call it is looking at, so a confirmation cannot be replayed for other arguments, another tool or
 * another caller. Single-use: the payload carries a random nonce, and an accepted confirmation is spent
 * (`UsedConfirmations.firstUse`, SET NX with the state's lifetime on Upstash) before the call runs, so a
 * replayed state is refused and a store that cannot answer refuses the call (503), never runs it twice.
 * When what would happen has changed (more trash to purge), the text's hash differs and the human is
 * asked again.
 */
import { createRequestStateCodec, type RequestStateCodec } from "@modelcontextprotocol/server";
import { hexDigest } from "../encoding/hex";

/** How long a human has to answer. */
export const CONFIRMATION_TTL_SECONDS = 600;

/** What a confirmation is bound to. */
export interface ConfirmationBinding {
  readonly tenant: string;
  readonly subject: string;
  readonly clientId: string | null;
  readonly tool: string;
  /** `hashArguments` of the parsed input. */
  readonly argumentsHash: string;
  readonly rule: string;
}

export interface ConfirmationClaims extends ConfirmationBinding {
  /** `hashSummary` of the text the human was asked to confirm. */
  readonly summaryHash: string;
  /** 128 random bits: what `UsedConfirmations` remembers once the confirmation ran its call. */
  readonly nonce: string;
  /** Set on a state minted by asking a second time: an unusable answer to it is a decline (no third ask). */
  readonly reasked?: true;
}

// The store of used confirmations has its own module (used-confirmations.ts): the isolate's state
// builds it without loading the MCP SDK this module's codec uses.
export { createMemoryUsedConfirmations, type UsedConfirmations } from "./used-confirmations";

export function newConfirmationNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export type ConfirmationCodec = RequestStateCodec<ConfirmationClaims>;

// One codec per secret per isolate: it holds only the imported key.
const codecs = new Map<string, ConfirmationCodec>();

export function confirmationCodec(secret: string): ConfirmationCodec {
  let codec = codecs.get(secret);
  if (!codec) {
    codec = createRequestStateCodec<ConfirmationClaims>({ key: secret, ttlSeconds: CONFIRMATION_TTL_SECONDS });
    codecs.set(secret, codec);
  }
  return codec;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Order-independent hash of a call's parsed arguments. */
export function hashArguments(input: unknown): Promise<string> {
  return hexDigest("SHA-256", canonicalJson(input));
}

export function hashSummary(summary: string): Promise<string> {
  return hexDigest("SHA-256", summary);
}

/** Whether a verified state was issued for exactly this call (the SDK already checked MAC and expiry). */
export function isSameCall(claims: unknown, expected: ConfirmationBinding): boolean {
  if (typeof claims !== "object" || claims === null) return false;
  const got = claims as Partial<ConfirmationClaims>;
  return (
    got.tenant === expected.tenant &&
    got.subject === expected.subject &&
    (got.clientId ?? null) === expected.clientId &&
    got.tool === expected.tool &&
    got.argumentsHash === expected.argumentsHash &&
    got.rule === expected.rule
  );
}
