/** Seconds a client is told to wait (`Retry-After`) after one of our dependencies failed (invariant 5). */
export const RETRY_AFTER_SECONDS = 5;
