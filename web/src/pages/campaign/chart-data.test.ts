import { describe, expect, it } from 'vitest';
import { bestSoFar, byComputeSpent, computeSpent, downsample, logTicks, paramAxes, paramPoints, type Point, toPoints } from './chart-data';

const pt = (index: number, valBpb: number, config: Record<string, unknown> = {}, simulated = false): Point => ({
  taskId: `t${index}`,
  index,
  valBpb,
  finishedAt: 1000 * index,
  config,
  simulated,
});

describe('bestSoFar', () => {
  it('steps down at each improvement and carries the best to the latest result', () => {
    const { steps, simulated } = bestSoFar([pt(0, 3), pt(1, 3.2), pt(2, 2.5), pt(3, 2.7), pt(4, 2.6)]);
    expect(steps.map((s) => [s.finishedAt, s.best])).toEqual([
      [0, 3],
      [2000, 2.5],
      [4000, 2.5],
    ]);
    expect(simulated).toBe(false);
  });

  it('ignores simulated results unless there is nothing else', () => {
    expect(bestSoFar([pt(0, 3), pt(1, 1, {}, true)]).steps.map((s) => s.best)).toEqual([3]);
    expect(bestSoFar([pt(0, 3, {}, true)]).simulated).toBe(true);
  });

  it('orders API points by finish time', () => {
    const raw = [
      { taskId: 'b', index: 1, valBpb: 2, finishedAt: '2026-01-01T00:00:02Z', config: {}, simulated: false, validation: null },
      { taskId: 'a', index: 0, valBpb: 3, finishedAt: '2026-01-01T00:00:01Z', config: {}, simulated: false, validation: null },
    ];
    expect(toPoints(raw).map((p) => p.taskId)).toEqual(['a', 'b']);
  });
});

describe('downsample', () => {
  it('keeps small inputs whole', () => {
    const items = [pt(0, 1), pt(1, 2)];
    expect(downsample(items, (p) => p.finishedAt, (p) => p.valBpb, 10)).toEqual(items);
  });

  it('bounds 10,000 points and keeps the best one and each bucket extreme', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => pt(i, 3 + Math.sin(i) + (i === 7777 ? -2 : 0)));
    const kept = downsample(items, (p) => p.finishedAt, (p) => p.valBpb, 800);
    expect(kept.length).toBeLessThanOrEqual(801);
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.some((p) => p.index === 7777)).toBe(true);
    const xs = kept.map((p) => p.finishedAt);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });
});

describe('paramAxes', () => {
  const points = [pt(0, 3, { lr: 0.001, schedule: 'cosine', n_head: 4, n_layer: 2 }), pt(1, 2, { lr: 0.01, schedule: 'linear', n_head: 4, n_layer: 3 })];

  it('offers the varying keys, learning rate first on a log axis', () => {
    const axes = paramAxes(points, { lr: { type: 'uniform' }, schedule: { type: 'choice' }, n_layer: { type: 'int' }, n_head: 4 });
    expect(axes.map((a) => a.name)).toEqual(['lr', 'n_layer', 'schedule']);
    expect(axes[0]).toMatchObject({ kind: 'numeric', log: true });
    expect(axes[1]).toMatchObject({ kind: 'numeric', log: false });
    expect(axes[2]).toMatchObject({ kind: 'categorical', categories: ['cosine', 'linear'] });
  });

  it('keeps a choice of numbers numeric, so a learning-rate choice gets its log axis', () => {
    const lrs = [pt(0, 3, { lr: 0.001, n_layer: 2 }), pt(1, 2, { lr: 0.01, n_layer: 4 }), pt(2, 2.5, { lr: 0.1, n_layer: 2 })];
    const axes = paramAxes(lrs, { lr: { type: 'choice', values: [0.001, 0.01, 0.1] }, n_layer: { type: 'choice', values: [2, 4] } });
    expect(axes[0]).toMatchObject({ name: 'lr', kind: 'numeric', log: true, categories: [] });
    expect(axes[1]).toMatchObject({ name: 'n_layer', kind: 'numeric', log: false });
    expect(paramPoints(lrs, axes[0]!).map((p) => p.x)).toEqual([0.001, 0.01, 0.1]);
  });

  it('uses a log axis for any loguniform parameter', () => {
    const axes = paramAxes([pt(0, 1, { wd: 0.1 }), pt(1, 1, { wd: 0.01 })], { wd: { type: 'loguniform' } });
    expect(axes[0]!.log).toBe(true);
  });

  it('places categorical values in their slot', () => {
    const axis = paramAxes(points, { schedule: { type: 'choice' } }).find((a) => a.name === 'schedule')!;
    const placed = paramPoints(points, axis);
    expect(Math.abs(placed[0]!.x - 0)).toBeLessThanOrEqual(0.25);
    expect(Math.abs(placed[1]!.x - 1)).toBeLessThanOrEqual(0.25);
  });
});

describe('logTicks', () => {
  it('gives 1-2-5 ticks inside the range', () => {
    expect(logTicks(0.003, 0.1)).toEqual([0.005, 0.01, 0.02, 0.05, 0.1]);
    expect(logTicks(0.011, 0.019)).toEqual([0.011, 0.019]);
  });
});

describe('compute spent', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 8, 0, s)).toISOString();
  const tasks = [
    { id: 'a', status: 'SUCCEEDED', finishedAt: at(10), result: { wallS: 3 } },
    { id: 'b', status: 'FAILED', finishedAt: at(5), progress: { elapsedS: 2 }, result: null },
    { id: 'c', status: 'SUCCEEDED', finishedAt: at(20), result: { wallS: 4 } },
    { id: 'd', status: 'LEASED', finishedAt: null, progress: { elapsedS: 1 } },
  ];

  it('sums every finished task’s seconds in finish order, failures included, running ones not', () => {
    expect([...computeSpent(tasks)]).toEqual([
      ['b', 2],
      ['a', 5],
      ['c', 9],
    ]);
  });

  it('places results by what was spent when they arrived, leaving out those without a figure', () => {
    const mk = (taskId: string, index: number, valBpb: number) => ({ taskId, index, valBpb, finishedAt: 0, config: {}, simulated: false });
    const placed = byComputeSpent([mk('c', 2, 2.0), mk('a', 0, 2.5), mk('x', 9, 1.0)], computeSpent(tasks));
    expect(placed.map((point) => [point.taskId, point.finishedAt])).toEqual([
      ['a', 5],
      ['c', 9],
    ]);
    expect(bestSoFar(placed).steps.map((step) => [step.finishedAt, step.best])).toEqual([
      [5, 2.5],
      [9, 2.0],
    ]);
  });
});

describe('best so far with verification', () => {
  it('draws the frontier from verified results only: a pending best is not a best yet', () => {
    const points = toPoints([
      { taskId: 'a', index: 0, valBpb: 2.5, finishedAt: '2026-11-22T08:00:01.000Z', config: {}, simulated: false, validation: 'VALID' },
      { taskId: 'b', index: 1, valBpb: 2.0, finishedAt: '2026-11-22T08:00:02.000Z', config: {}, simulated: false, validation: 'PENDING' },
      { taskId: 'c', index: 2, valBpb: 2.3, finishedAt: '2026-11-22T08:00:03.000Z', config: {}, simulated: false, validation: 'VALID' },
    ] as never);
    expect(points.map((point) => point.pending)).toEqual([false, true, false]);
    expect(bestSoFar(points).steps.map((step) => step.best)).toEqual([2.5, 2.3]);
    // Nothing verified yet: no frontier (not the pending results passed off as best).
    expect(bestSoFar(points.filter((point) => point.pending)).steps).toEqual([]);
  });
});
