import { describe, expect, it } from 'vitest';
import { progressLine } from '../src/progress.ts';
import { summarize } from '../src/summary.ts';

describe('summarize', () => {
  it('reports completed, best, sample std, distinct configs, the best run’s steps and mean wall time', () => {
    const summary = summarize([
      { index: 0, status: 'SUCCEEDED', config: { lr: 1, n: 2 }, valBpb: 2.5, steps: 500, wallS: 8 },
      { index: 1, status: 'SUCCEEDED', config: { n: 2, lr: 1 }, valBpb: 2.3, steps: 600, wallS: 9 },
      { index: 2, status: 'SUCCEEDED', config: { lr: 2, n: 2 }, valBpb: 2.7, steps: 400, wallS: 7 },
      { index: 3, status: 'FAILED', config: { lr: 3, n: 2 }, valBpb: null, steps: null, wallS: null },
    ]);
    expect(summary).toMatchObject({ completed: 3, failed: 1, total: 4, best_val_bpb: 2.3, best_task: 1, best_steps: 600, distinct_configs: 3, wall_s_per_task: 8 });
    expect(summary.mean_val_bpb).toBeCloseTo(2.5, 12);
    expect(summary.std_val_bpb).toBeCloseTo(0.2, 12);
  });

  it('has no best and no std without results', () => {
    expect(summarize([{ index: 0, status: 'FAILED', config: {}, valBpb: null, steps: null, wallS: null }])).toMatchObject({
      completed: 0,
      best_val_bpb: null,
      std_val_bpb: null,
      wall_s_per_task: null,
    });
  });
});

describe('progressLine', () => {
  it('fills the bar with finished tasks', () => {
    const line = progressLine({ total: 4, queued: 1, leased: 1, succeeded: 2, failed: 0, cancelled: 0, bestValBpb: 2.41234 }, 12.3);
    expect(line).toBe(`[${'█'.repeat(15)}${'░'.repeat(15)}] 2/4 done · 1 running · 1 queued  best 2.4123  12 s`);
  });
});
