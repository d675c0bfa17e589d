import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of one second worth, then refills continuously', () => {
    const limiter = new RateLimiter(4, 0);
    expect([0, 0, 0, 0].map(() => limiter.take(0))).toEqual([0, 0, 0, 0]);
    expect(limiter.take(0)).toBe(250);
    expect(limiter.take(100)).toBe(150);
    expect(limiter.take(250)).toBe(0);
    expect(limiter.take(250)).toBe(250);
    // A long pause refills only up to the burst size.
    expect([1, 2, 3, 4, 5].map(() => limiter.take(10_000))).toEqual([0, 0, 0, 0, 250]);
  });
});
