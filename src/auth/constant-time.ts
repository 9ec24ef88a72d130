/**
 * Equality of two secrets' digests in time that depends only on their length, so response timing
 * cannot reveal how many leading characters of a guessed key hash were right.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  return difference === 0;
}
