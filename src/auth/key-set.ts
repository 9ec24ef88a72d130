/**
 * Where verification keys come from: the inline `OAUTH_JWKS`, or the remote `OAUTH_JWKS_URL` with one
 * cache per isolate per URL (public keys only, so sharing it between requests and tenants is safe).
 *
 * The remote key set, and why it is ours rather than jose's `createRemoteJWKSet`: jose does not share an
 * in-flight fetch on Workers, and its cooldown counts only from a successful fetch, so every token with
 * a made-up `kid` (free to forge) opened its own fetch to an identity provider that was already failing.
 * Here, per isolate:
 * - one fetch at a time (single flight): a request that needs the set while a fetch is in flight waits
 *   for it, at most until that fetch's timeout, then answers from the keys it holds;
 * - after a failed fetch, FAILURE_COOLDOWN_MS with no fetch at all (answers from the keys held);
 * - an unknown `kid` refetches at most every REFETCH_COOLDOWN_MS after a successful fetch (rotation);
 * - keys are trusted for CACHE_MAX_AGE_MS after the fetch that brought them. Older keys never accept a
 *   token, but they still judge one: a `kid` they lack, or a signature they reject, is the caller's
 *   choice, not our outage (`ResolvedKey.trusted`, `KeySetUnavailableError.unknownKey`).
 * jose still does everything about keys themselves: parsing the set, selecting by `kid`/`alg`, importing.
 *
 * The fetch and the clock are passed in, so tests need no global patches and no faked timers.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import type { JwksSource } from "../config/config";

export type VerificationKey = Awaited<ReturnType<JWTVerifyGetKey>>;
type KeyLookup = (...args: Parameters<JWTVerifyGetKey>) => Promise<VerificationKey>;

/** The key for a token, and whether it may accept one (false: held past its age, only to judge). */
export interface ResolvedKey {
  readonly key: VerificationKey;
  readonly trusted: boolean;
}

export type KeyResolver = (...args: Parameters<JWTVerifyGetKey>) => Promise<ResolvedKey>;

export class KeySetUnavailableError extends Error {
  override readonly name = "KeySetUnavailableError";
  readonly code = "ERR_KEY_SET_UNAVAILABLE";
  constructor(
    /**
     * The keys we hold lack the token's `kid` and the set could not be fetched to confirm it: the caller
     * chose that `kid` (src/http/auth-refusals.ts counts it against the caller's IP). False when we hold
     * no keys at all, since then nothing tells a made-up `kid` from a real one.
     */
    readonly unknownKey: boolean,
    options?: ErrorOptions,
  ) {
    super("verification key set unavailable", options);
  }
}

export const FAILURE_COOLDOWN_MS = 5_000;
export const REFETCH_COOLDOWN_MS = 30_000;
export const CACHE_MAX_AGE_MS = 10 * 60_000;
/** A key set is a few kilobytes; anything far larger is not one (and is not read into memory). */
export const MAX_KEY_SET_BYTES = 256 * 1024;
/** How long past its timeout an in-flight fetch is still waited for before it is given up as lost. */
const SETTLE_GRACE_MS = 100;

/** The key-set fetch: `fetch`'s shape (default: the runtime's global `fetch`, looked up per call). */
export type KeySetFetch = (url: string, init: RequestInit) => Promise<Response>;

export interface KeySetOptions {
  readonly timeoutMs: number;
  readonly fetch?: KeySetFetch;
  /** Epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

interface RemoteKeySet {
  keys: KeyLookup | undefined;
  /** Epoch ms of the fetch that brought `keys`. */
  fetchedAt: number;
  /** Bumped by every successful fetch, so a waiter can tell that a new set arrived. */
  generation: number;
  /** Epoch ms of the last failed fetch, if it failed after the last success. */
  failedAt: number | undefined;
  lastFailure: unknown;
  inFlight: { readonly settled: Promise<void>; readonly startedAt: number } | undefined;
}

const globalFetch: KeySetFetch = (url, init) => fetch(url, init);

// Module scope is safe here: the cache holds public keys only and is keyed by fetch and URL, so tenants
// and requests cannot influence one another beyond warming the same public cache.
const remoteKeySets = new WeakMap<KeySetFetch, Map<string, RemoteKeySet>>();

function remoteKeySet(url: URL, timeoutMs: number, fetchKeys: KeySetFetch): RemoteKeySet {
  let sets = remoteKeySets.get(fetchKeys);
  if (!sets) {
    sets = new Map();
    remoteKeySets.set(fetchKeys, sets);
  }
  const cacheKey = `${timeoutMs} ${url.href}`;
  let set = sets.get(cacheKey);
  if (!set) {
    set = {
      keys: undefined,
      fetchedAt: 0,
      generation: 0,
      failedAt: undefined,
      lastFailure: undefined,
      inFlight: undefined,
    };
    sets.set(cacheKey, set);
  }
  return set;
}

async function readCapped(response: Response): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > MAX_KEY_SET_BYTES) throw new Error("key set response too large");
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_KEY_SET_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error("key set response too large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** GET, no redirects (a redirect could hand key selection to someone else), a timeout, a size cap. */
async function fetchKeySet(url: URL, fetchKeys: KeySetFetch, timeoutMs: number): Promise<KeyLookup> {
  const response = await fetchKeys(url.href, {
    method: "GET",
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: "application/json, application/jwk-set+json" },
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`key set answered HTTP ${response.status}`);
  }
  // createLocalJWKSet refuses anything that is not a key set.
  return createLocalJWKSet(JSON.parse(await readCapped(response)) as JSONWebKeySet);
}

function sleep(ms: number): { done: Promise<void>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms));
  });
  return { done, cancel: () => clearTimeout(timer) };
}

/**
 * Brings the set up to date if a fetch is allowed now, joining the one in flight if there is one.
 * Never throws: the outcome is in `set` (a new generation, or `failedAt`). Waits at most until the
 * in-flight fetch's timeout (plus a little), because on Workers the request that started it may go away
 * and leave its promise unsettled; such a fetch is then given up as failed.
 */
async function refresh(set: RemoteKeySet, url: URL, fetchKeys: KeySetFetch, timeoutMs: number, now: () => number) {
  const started = now();
  if (set.failedAt !== undefined && started - set.failedAt < FAILURE_COOLDOWN_MS) return;
  if (set.inFlight && started - set.inFlight.startedAt > timeoutMs + SETTLE_GRACE_MS) {
    set.inFlight = undefined;
    set.failedAt = started;
    set.lastFailure = new Error("key set fetch never settled");
    return;
  }
  if (!set.inFlight) {
    const settled: Promise<void> = fetchKeySet(url, fetchKeys, timeoutMs).then(
      (keys) => {
        set.keys = keys;
        set.fetchedAt = now();
        set.generation += 1;
        set.failedAt = undefined;
      },
      (error: unknown) => {
        set.failedAt = now();
        set.lastFailure = error;
      },
    );
    const inFlight = { settled, startedAt: started };
    set.inFlight = inFlight;
    void settled.finally(() => {
      if (set.inFlight === inFlight) set.inFlight = undefined;
    });
  }
  const { settled, startedAt } = set.inFlight;
  const deadline = sleep(startedAt + timeoutMs + SETTLE_GRACE_MS - started);
  await Promise.race([settled, deadline.done]);
  deadline.cancel();
}

const NO_SUCH_KEY = Symbol("no such key");

/** Our outage unless jose says the token names no (or no single) usable key. */
async function lookup(
  keys: KeyLookup,
  ...args: Parameters<JWTVerifyGetKey>
): Promise<VerificationKey | typeof NO_SUCH_KEY> {
  try {
    return await keys(...args);
  } catch (error) {
    if (error instanceof errors.JWKSNoMatchingKey) return NO_SUCH_KEY;
    if (error instanceof errors.JWKSMultipleMatchingKeys) throw error; // the caller's ambiguous kid: 401
    // A private or unusable key in the set: the identity provider's fault, never the caller's.
    throw new KeySetUnavailableError(false, { cause: error });
  }
}

function remoteResolver(url: URL, options: KeySetOptions): KeyResolver {
  const fetchKeys = options.fetch ?? globalFetch;
  const set = remoteKeySet(url, options.timeoutMs, fetchKeys);
  // Looked up per call, never captured: a test's faked Date must reach a key set made before it.
  const now = options.now ?? (() => Date.now());
  const fresh = (at: number) => set.keys !== undefined && at - set.fetchedAt < CACHE_MAX_AGE_MS;
  return async (header, token) => {
    const asked = now();
    if (set.keys && fresh(asked)) {
      const key = await lookup(set.keys, header, token);
      if (key !== NO_SUCH_KEY) return { key, trusted: true };
      // Fetched moments ago and the kid is not in it: the caller's kid, not a rotation we missed.
      if (asked - set.fetchedAt < REFETCH_COOLDOWN_MS) throw new errors.JWKSNoMatchingKey();
    }
    const generation = set.generation;
    await refresh(set, url, fetchKeys, options.timeoutMs, now);
    if (set.generation !== generation) {
      // A set fetched after the question was asked is the definitive answer.
      const key = await lookup(set.keys!, header, token);
      if (key === NO_SUCH_KEY) throw new errors.JWKSNoMatchingKey();
      return { key, trusted: true };
    }
    // No new set (resting, failed, or still in flight past our wait): judge by the keys we hold.
    if (!set.keys) throw new KeySetUnavailableError(false, { cause: set.lastFailure });
    const key = await lookup(set.keys, header, token);
    if (key === NO_SUCH_KEY) throw new KeySetUnavailableError(true, { cause: set.lastFailure });
    return { key, trusted: fresh(now()) };
  };
}

function localResolver(keys: unknown): KeyResolver {
  const lookupKeys = createLocalJWKSet(keys as JSONWebKeySet);
  return async (header, token) => {
    const key = await lookup(lookupKeys, header, token);
    if (key === NO_SUCH_KEY) throw new errors.JWKSNoMatchingKey();
    return { key, trusted: true };
  };
}

export function createKeyResolver(source: JwksSource, options: KeySetOptions): KeyResolver {
  return source.kind === "remote" ? remoteResolver(source.url, options) : localResolver(source.keys);
}
