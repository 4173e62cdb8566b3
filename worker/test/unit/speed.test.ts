// The measured speed: refreshed from real compute tasks in the unit their budget counts, and the
// expected length of a compute task that prefetch and warm start follow.
import { describe, expect, it } from 'vitest';
import { expectedSeconds, refreshedSpeed, type Speed } from '../../src/speed.ts';

const calibration: Speed = { tokensPerS: 40_000, flopsPerS: 1.6e10, source: 'CALIBRATION' };
const tokens = { budget: { kind: 'COMPUTE' as const, unit: 'TOKENS' as const, amount: 327_680, capS: 40, maxWallS: 600 } };
const flops = { budget: { kind: 'COMPUTE' as const, unit: 'FLOPS' as const, amount: 5e11, capS: 60, maxWallS: 600 } };
const wall = { budget: { kind: 'WALL' as const, unit: null, amount: null, capS: 9, maxWallS: 9 } };

describe('refreshedSpeed', () => {
  it('replaces the calibration’s figure for the task’s unit with the task’s own, then averages', () => {
    const first = refreshedSpeed(calibration, tokens, { tokens_per_s: 20_000, model_flops_per_s: 9e9 });
    expect(first).toMatchObject({ tokensPerS: 20_000, flopsPerS: 1.6e10, source: 'TASKS' });
    const second = refreshedSpeed(first, tokens, { tokens_per_s: 30_000 });
    expect(second).toMatchObject({ tokensPerS: 25_000, flopsPerS: 1.6e10, source: 'TASKS' });
    // The first FLOP-budget task replaces the calibration's FLOP figure, which no task had measured.
    const third = refreshedSpeed(second, flops, { tokens_per_s: 1, model_flops_per_s: 8e9 });
    expect(third).toMatchObject({ tokensPerS: 25_000, flopsPerS: 8e9, source: 'TASKS' });
    expect(refreshedSpeed(third, flops, { model_flops_per_s: 1.2e10 })).toMatchObject({ flopsPerS: 1e10 });
  });

  it('learns nothing from wall tasks or from a line without a usable figure', () => {
    expect(refreshedSpeed(calibration, wall, { tokens_per_s: 1e6 })).toBeNull();
    expect(refreshedSpeed(calibration, tokens, { tokens_per_s: -1 })).toBeNull();
    expect(refreshedSpeed(calibration, tokens, { tokens_per_s: Number.NaN })).toBeNull();
    expect(refreshedSpeed(null, flops, {})).toBeNull();
  });
});

describe('expectedSeconds', () => {
  it('is training at the measured speed plus an allowance, for compute tasks only', () => {
    expect(expectedSeconds(calibration, tokens)).toBeCloseTo((327_680 / 40_000) * 1.2 + 2, 6);
    expect(expectedSeconds(calibration, flops)).toBeCloseTo((5e11 / 1.6e10) * 1.2 + 2, 6);
    expect(expectedSeconds(calibration, wall)).toBeNull();
    expect(expectedSeconds(null, tokens)).toBeNull();
  });
});
