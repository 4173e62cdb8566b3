import { describe, expect, it } from 'vitest';
import { meanInterval, overlaps, tQuantile975 } from '../../src/modules/explore/noise-band.ts';

describe('noise bands', () => {
  it('uses Student t quantiles, approaching the normal 1.96 with many runs', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(1000)).toBe(1.96);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });

  it('gives a 95% interval of the mean for replicates and none for a single run', () => {
    const band = meanInterval(2.0, 0.05, 5)!;
    expect(band.halfWidth).toBeCloseTo((2.776 * 0.05) / Math.sqrt(5), 12);
    expect(band).toMatchObject({ level: 0.95, low: 2.0 - band.halfWidth, high: 2.0 + band.halfWidth });
    expect(meanInterval(2.0, null, 1)).toBeNull();
    expect(meanInterval(2.0, 0.1, 1)).toBeNull();
  });

  it('calls two configs apart only when their intervals do not overlap', () => {
    const a = meanInterval(2.0, 0.01, 3)!;
    expect(overlaps(a, meanInterval(2.01, 0.01, 3)!)).toBe(true);
    expect(overlaps(a, meanInterval(2.5, 0.01, 3)!)).toBe(false);
  });
});
