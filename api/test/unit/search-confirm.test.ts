import { describe, expect, it } from 'vitest';
import {
  chooseConfirmations,
  compareIntervals,
  isBetter,
  noiseFloor,
  summarize,
} from '../../src/modules/search/confirm.ts';
import { studentTCdf, studentTQuantile } from '../../src/modules/search/student-t.ts';
import { observation } from './search-helpers.ts';

describe('Student t', () => {
  it('matches textbook quantiles', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.3027, 4);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.015, 3);
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.96, 3);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.2281, 4);
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
  });
});

describe('confirm-before-keep statistics', () => {
  it('gives mean ± a t interval over replicates', () => {
    const s = summarize([1, 2, 3]);
    expect(s).toMatchObject({ n: 3, mean: 2, sd: 1, df: 2, confidence: 0.95 });
    expect(s.halfWidth).toBeCloseTo(4.3027 / Math.sqrt(3), 3);
    expect(s.low).toBeCloseTo(2 - s.halfWidth, 12);
    expect(summarize([1, 2, 3], { confidence: 0.9 }).halfWidth).toBeLessThan(s.halfWidth);
    expect(() => summarize([])).toThrow();
  });

  it('a single run has an unbounded interval unless a noise floor stands in', () => {
    const once = summarize([2.5]);
    expect(once.halfWidth).toBe(Infinity);
    const floor = { sd: 0.01, df: 20, configs: 10 };
    const withFloor = summarize([2.5], { noise: floor });
    expect(withFloor.halfWidth).toBeCloseTo(studentTQuantile(0.975, 20) * 0.01, 9);
  });

  it('calls a config better only when the intervals do not overlap', () => {
    const a = summarize([2.0, 2.01, 1.99]);
    const b = summarize([2.1, 2.11, 2.09]);
    const close = summarize([2.02, 2.05, 1.98]);
    expect(isBetter(a, b)).toBe(true);
    expect(isBetter(b, a)).toBe(false);
    expect(compareIntervals(a, close)).toBe('indistinguishable');
    expect(compareIntervals(b, a)).toBe('worse');
    // A lower single run is never "better" without a noise estimate: seeds alone can do that.
    expect(isBetter(summarize([1.9]), b)).toBe(false);
  });

  it('estimates the noise floor as the pooled within-config standard deviation', () => {
    const floor = noiseFloor([[1, 3], [2, 2, 2], [5]]);
    expect(floor).toEqual({ sd: Math.sqrt(2 / 3), df: 3, configs: 2 });
    expect(noiseFloor([[1], [2]])).toBeNull();
  });

  it('chooses the top k configs by mean and gives each m unused seeds at the top budget', () => {
    const A = { lr: 0.001 };
    const B = { lr: 0.002 };
    const C = { lr: 0.004 };
    const history = [
      observation(A, 3.0, { taskId: 'a1', seed: 1 }),
      observation(B, 2.0, { taskId: 'b1', seed: 2 }),
      observation(B, 2.2, { taskId: 'b2', seed: 3 }),
      observation(C, 2.05, { taskId: 'c1', seed: 4 }),
      observation(A, 1.0, { taskId: 'a-low', seed: 5, budgetScale: 1 / 3 }),
      observation(C, null, { taskId: 'c-run', seed: 6 }),
    ];
    const proposals = chooseConfirmations(history, 2, 3, 42);
    expect(proposals).toHaveLength(6);
    expect(proposals.map((p) => p.config)).toEqual([C, C, C, B, B, B]); // C mean 2.05 < B mean 2.1
    expect(proposals.map((p) => p.parentTaskId)).toEqual(['c1', 'c1', 'c1', 'b1', 'b1', 'b1']);
    expect(proposals.every((p) => p.budgetScale === 1)).toBe(true);
    const seedsC = proposals.slice(0, 3).map((p) => p.seed);
    expect(new Set(seedsC).size).toBe(3);
    expect(seedsC).not.toContain(4);
    expect(seedsC).not.toContain(6);
    expect(proposals[0]!.description).toBe('confirm: new seed 1/3 for #1 (mean 2.0500 over 1)');
    expect(chooseConfirmations(history, 2, 3, 42)).toEqual(proposals);
    expect(chooseConfirmations([], 2, 3, 42)).toEqual([]);
  });
});
