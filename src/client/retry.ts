import { CalllogsApiError, CalllogsTransportError } from './errors.js';

export interface RetryOptions {
  /** Further attempts after the first, for 429, 5xx and network failures. */
  retries: number;
  /** First backoff; doubled each attempt (with jitter), capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 5, baseDelayMs: 250, maxDelayMs: 10_000 };

function retryable(error: unknown): boolean {
  if (error instanceof CalllogsTransportError) return true;
  return error instanceof CalllogsApiError && (error.status === 429 || error.status >= 500);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt`, retrying 429 / 5xx / network failures with backoff; a `Retry-After` wins. */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions, signal?: AbortSignal): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= options.retries || !retryable(error) || signal?.aborted) throw error;
      const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** n) * (0.5 + Math.random() / 2);
      const asked = error instanceof CalllogsApiError && error.retryAfter !== undefined ? error.retryAfter * 1000 : undefined;
      await sleep(asked ?? backoff, signal);
    }
  }
}
