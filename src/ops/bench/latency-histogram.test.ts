import { describe, expect, it } from 'vitest';
import { bucketIndex, bucketRange, LatencyHistogram } from './latency-histogram.js';

describe('bucketIndex / bucketRange', () => {
  it('covers every value exactly once, with at most ~1.6 % bucket width', () => {
    let expectedLo = 0;
    for (let index = 0; index < bucketIndex(2 ** 31 - 1); index++) {
      const [lo, hi] = bucketRange(index);
      expect(lo).toBe(expectedLo);
      expect(bucketIndex(lo)).toBe(index);
      expect(bucketIndex(hi)).toBe(index);
      expect((hi - lo) / Math.max(1, lo)).toBeLessThan(1 / 64);
      expectedLo = hi + 1;
    }
  });
});

describe('LatencyHistogram', () => {
  it('reports percentiles within the bucket precision', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 10_000; i++) h.recordMs(i / 100); // 0.01 .. 100 ms
    expect(h.count).toBe(10_000);
    expect(Math.abs(h.percentileMs(50) - 50) / 50).toBeLessThan(0.02);
    expect(Math.abs(h.percentileMs(99) - 99) / 99).toBeLessThan(0.02);
    expect(h.percentileMs(100)).toBeLessThanOrEqual(100);
    expect(h.meanMs()).toBeCloseTo(50.005, 2);
  });

  it('merges snapshots as if the values were recorded in one histogram', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    const both = new LatencyHistogram();
    for (let i = 0; i < 1000; i++) {
      const v = (i * 7919) % 1000;
      (i % 2 ? a : b).recordMs(v / 10);
      both.recordMs(v / 10);
    }
    const merged = LatencyHistogram.from(a.snapshot());
    merged.add(b.snapshot());
    for (const p of [1, 50, 90, 99, 99.9]) expect(merged.percentileMs(p)).toBe(both.percentileMs(p));
    expect(merged.min).toBe(both.min);
    expect(merged.max).toBe(both.max);
  });

  it('is NaN when empty, and clamps negative values to zero', () => {
    const h = new LatencyHistogram();
    expect(h.percentileMs(50)).toBeNaN();
    h.recordMs(-1);
    expect(h.percentileMs(50)).toBe(0);
  });
});
