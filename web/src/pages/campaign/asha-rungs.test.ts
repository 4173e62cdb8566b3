import { describe, expect, it } from 'vitest';
import { ashaRungs } from './asha-rungs';

const t = (id: string, budgetScale: number, patch: Record<string, unknown> = {}) => ({ id, status: 'QUEUED', simulated: false, budgetScale, ...patch });

describe('ashaRungs', () => {
  it('counts configs, finished tasks, the best real result and promotions per rung', () => {
    const rungs = ashaRungs([
      t('a', 1, { status: 'SUCCEEDED', valBpb: 2.4 }),
      t('b', 1, { status: 'SUCCEEDED', valBpb: 2.1 }),
      t('c', 1, { status: 'SUCCEEDED', valBpb: 1.0, simulated: true }),
      t('d', 1, { status: 'FAILED' }),
      t('b3', 3, { status: 'SUCCEEDED', valBpb: 2.0, parentId: 'b' }),
      t('b9', 9, { status: 'LEASED', parentId: 'b3' }),
      // A replicate at the same budget is not a promotion.
      t('b-again', 3, { parentId: 'b3' }),
    ]);
    expect(rungs).toEqual([
      { budgetScale: 1, tasks: 4, finished: 4, best: 2.1, promoted: 1 },
      { budgetScale: 3, tasks: 2, finished: 1, best: 2.0, promoted: 1 },
      { budgetScale: 9, tasks: 1, finished: 0, best: null, promoted: 0 },
    ]);
  });
});
