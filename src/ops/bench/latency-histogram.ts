// A small HdrHistogram-style latency histogram: integer microseconds in log-linear buckets (64 per
// power of two, so any value is off by at most ~1.6 %), fixed memory, O(1) record, mergeable across
// load-generator processes, serialisable as sparse [index, count] pairs.

/** Sub-buckets per power of two; values below 2 * SUB_BUCKETS are recorded exactly. */
const SUB_BITS = 6;
const SUB_BUCKETS = 1 << SUB_BITS;
/** Largest recordable value in microseconds (~35 minutes); larger values are clamped. */
const MAX_MICROS = 2 ** 31 - 1;
const BUCKET_COUNT = bucketIndex(MAX_MICROS) + 1;

/** The bucket holding `micros` (a non-negative integer below 2^31). */
export function bucketIndex(micros: number): number {
  const msb = 31 - Math.clz32(micros);
  const shift = msb > SUB_BITS ? msb - SUB_BITS : 0;
  return shift * SUB_BUCKETS + (micros >>> shift);
}

/** Smallest and largest value (microseconds) recorded into bucket `index`. */
export function bucketRange(index: number): [number, number] {
  if (index < 2 * SUB_BUCKETS) return [index, index];
  const shift = (index >> SUB_BITS) - 1;
  const mantissa = index - shift * SUB_BUCKETS;
  return [mantissa * 2 ** shift, (mantissa + 1) * 2 ** shift - 1];
}

/** The histogram as it travels between processes and into results.json. */
export interface HistogramSnapshot {
  /** [bucket index, count] for every non-empty bucket, ascending. */
  buckets: Array<[number, number]>;
  count: number;
  /** Microseconds. */
  min: number;
  max: number;
  sum: number;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKET_COUNT);
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  sum = 0;

  /** Records one latency given in milliseconds (as performance.now() differences are). */
  recordMs(ms: number): void {
    let micros = Math.round(ms * 1000);
    if (micros < 0) micros = 0;
    else if (micros > MAX_MICROS) micros = MAX_MICROS;
    this.counts[bucketIndex(micros)]!++;
    this.count++;
    this.sum += micros;
    if (micros < this.min) this.min = micros;
    if (micros > this.max) this.max = micros;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
    this.sum = 0;
  }

  add(other: LatencyHistogram | HistogramSnapshot): void {
    const snapshot = other instanceof LatencyHistogram ? other.snapshot() : other;
    for (const [index, n] of snapshot.buckets) this.counts[index]! += n;
    if (snapshot.count === 0) return;
    this.count += snapshot.count;
    this.sum += snapshot.sum;
    if (snapshot.min < this.min) this.min = snapshot.min;
    if (snapshot.max > this.max) this.max = snapshot.max;
  }

  /**
   * The value (milliseconds) below which `percentile` % of recordings fall: the middle of the
   * bucket holding that rank, clamped to the recorded min/max. NaN when empty.
   */
  percentileMs(percentile: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const [lo, hi] = bucketRange(i);
        const mid = Math.min(this.max, Math.max(this.min, (lo + hi) / 2));
        return mid / 1000;
      }
    }
    return this.max / 1000;
  }

  meanMs(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count / 1000;
  }

  snapshot(): HistogramSnapshot {
    const buckets: Array<[number, number]> = [];
    for (let i = 0; i < BUCKET_COUNT; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return {
      buckets,
      count: this.count,
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
      sum: this.sum,
    };
  }

  static from(snapshot: HistogramSnapshot): LatencyHistogram {
    const h = new LatencyHistogram();
    h.add(snapshot);
    return h;
  }
}
