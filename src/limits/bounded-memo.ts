/**
 * A bounded per-isolate memo for pure async functions (used for the SHA-256 key digests: the same IPs,
 * subjects and tenants come back request after request). Holds the promise, so concurrent callers share
 * one computation; a rejected computation is forgotten, never remembered. Least recently used entries
 * go first once `maxEntries` is reached. Only for functions whose result depends on the input alone, so
 * sharing between requests and tenants reveals nothing a caller could not compute itself.
 */
export type Memoized<T> = ((input: string) => Promise<T>) & { readonly size: () => number };

export function createBoundedMemo<T>(compute: (input: string) => Promise<T>, maxEntries: number): Memoized<T> {
  const entries = new Map<string, Promise<T>>();
  const memo = (input: string): Promise<T> => {
    const known = entries.get(input);
    if (known !== undefined) {
      entries.delete(input);
      entries.set(input, known);
      return known;
    }
    const pending = compute(input);
    entries.set(input, pending);
    pending.catch(() => {
      if (entries.get(input) === pending) entries.delete(input);
    });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    return pending;
  };
  return Object.assign(memo, { size: () => entries.size });
}
