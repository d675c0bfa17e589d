import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, retryPolicy } from './retry.js';

describe('retry timing', () => {
  it('has defaults and turns off with false', () => {
    expect(retryPolicy(undefined)).toMatchObject({ attempts: 3, retryNonIdempotent: false });
    expect(retryPolicy(false).attempts).toBe(1);
    expect(retryPolicy({ attempts: 5, retryNonIdempotent: true })).toMatchObject({
      attempts: 5,
      retryNonIdempotent: true,
    });
    expect(() => retryPolicy({ attempts: 0 })).toThrow(RangeError);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(200);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1000);
  });

  it('waits as long as Retry-After says', () => {
    const policy = retryPolicy({});
    expect(backoffDelay(policy, 1, 3000)).toBe(3000);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(' 0.5 ')).toBe(500);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
  });
});
