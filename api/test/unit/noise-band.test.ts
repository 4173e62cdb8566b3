import { describe, expect, it } from 'vitest';
import { meanInterval, overlaps } from '../../src/modules/explore/noise-band.ts';

describe('Explore noise bands', () => {
  it('gives a 95% Student-t interval of the mean for replicates', () => {
    const band = meanInterval([2.1, 2.2, 2.3])!;
    expect(band.confidence).toBe(0.95);
    expect(band.mean).toBeCloseTo(2.2, 12);
    // t(0.975, 2) = 4.3027; sample std 0.1.
    expect(band.halfWidth).toBeCloseTo((4.3027 * 0.1) / Math.sqrt(3), 4);
    expect(band.low).toBeCloseTo(2.2 - band.halfWidth, 12);
  });

  it('gives no interval for a single run (Explore says "single run")', () => {
    expect(meanInterval([2.0])).toBeNull();
    expect(meanInterval([2.0, Number.NaN])).toBeNull();
  });

  it('calls two configs apart only when their intervals do not overlap', () => {
    const a = meanInterval([2.0, 2.01, 1.99])!;
    expect(overlaps(a, meanInterval([2.01, 2.02, 2.0])!)).toBe(true);
    expect(overlaps(a, meanInterval([2.5, 2.51, 2.49])!)).toBe(false);
  });
});
