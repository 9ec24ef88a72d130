/**
 * POSTs with retry and exponential backoff, for the SIEM sink and the alert webhook. Off the request
 * path (the queue consumer), so waiting is acceptable, but bounded: a few attempts with a timeout
 * each, then the caller decides (the sink's cursor stays put; an alert is logged as undelivered).
 * 408, 429 and 5xx and network errors are retried; any other 4xx is a configuration problem that
 * retrying cannot fix.
 */
export interface DeliveryOptions {
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export type DeliveryResult =
  | { readonly ok: true; readonly status: number; readonly attempts: number }
  | { readonly ok: false; readonly status: number | undefined; readonly attempts: number; readonly reason: string };

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export async function postWithRetry(
  url: string,
  init: { headers: Record<string, string>; body: string },
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 250;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? sleepFor;
  let last: DeliveryResult = { ok: false, status: undefined, attempts: 0, reason: "not_attempted" };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await sleep(base * 2 ** (attempt - 2));
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
      });
      // Drain the body so the connection can be reused; its content is never logged.
      await response.body?.cancel();
      if (response.ok) return { ok: true, status: response.status, attempts: attempt };
      last = { ok: false, status: response.status, attempts: attempt, reason: `http_${response.status}` };
      if (!retryable(response.status)) return last;
    } catch (error) {
      last = { ok: false, status: undefined, attempts: attempt, reason: error instanceof Error ? error.name : "error" };
    }
  }
  return last;
}
