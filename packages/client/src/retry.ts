// When and how long to wait before sending a request again. Whether a given command may be sent
// again at all is decided by its idempotency (idempotency.ts); this module only times the attempts.

export interface RetryOptions {
  /** Tries per request, the first included (default 3; 1 turns retries off). */
  attempts?: number;
  /** First backoff delay; it doubles per attempt, with jitter (default 50 ms). */
  baseDelayMs?: number;
  /** Longest backoff delay (default 2000 ms). */
  maxDelayMs?: number;
  /** Also re-send non-idempotent commands (INCR, LPUSH, EVAL, …) after a lost answer (default false). */
  retryNonIdempotent?: boolean;
  /** A Retry-After longer than this fails the request instead of waiting (default 10 s). */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

const DEFAULTS: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 2000,
  retryNonIdempotent: false,
  maxRetryAfterMs: 10_000,
};

export function retryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  if (options === false) return { ...DEFAULTS, attempts: 1 };
  const policy = { ...DEFAULTS, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry.attempts must be an integer >= 1, got ${policy.attempts}`);
  }
  return policy;
}

/**
 * Milliseconds to wait before attempt `attempt + 1`: the server's Retry-After when it sent one,
 * otherwise exponential backoff with "equal jitter" (half fixed, half random) so that many clients
 * cut off at once do not come back in lockstep.
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return full / 2 + random() * (full / 2);
}

/** A Retry-After header (delta seconds or an HTTP date) in milliseconds; undefined when absent/bad. */
export function parseRetryAfter(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
