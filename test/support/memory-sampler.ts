// Samples this process's resident set size while a test runs, so tests of hostile clients can bound
// how much memory the in-process gateway took. The timer is unref'd and always stopped by stop().

export interface MemorySample {
  /** RSS when sampling started, in bytes. */
  baseline: number;
  /** Highest RSS seen while sampling. */
  peak: number;
  /** RSS when sampling stopped. */
  last: number;
}

export class MemorySampler {
  private readonly baseline = process.memoryUsage().rss;
  private peak = this.baseline;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 20) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number {
    const rss = process.memoryUsage().rss;
    if (rss > this.peak) this.peak = rss;
    return rss;
  }

  stop(): MemorySample {
    clearInterval(this.timer);
    const last = this.sample();
    return { baseline: this.baseline, peak: this.peak, last };
  }
}

export const mib = (bytes: number): number => Math.round((bytes / (1024 * 1024)) * 10) / 10;
