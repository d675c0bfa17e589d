// Per-token request budget: a token bucket holding one second's worth of requests, refilled
// continuously, so a client may burst up to its limit and then sustain exactly that rate.

export class RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    now = Date.now(),
  ) {
    this.tokens = perSecond;
    this.last = now;
  }

  /** Takes one request from the budget: 0 when allowed, else milliseconds until one is available. */
  take(now = Date.now()): number {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.perSecond, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  get limit(): number {
    return this.perSecond;
  }
}
