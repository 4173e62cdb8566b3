import { describe, expect, it } from 'vitest';
import { paramAxes, type Point } from './chart-data';
import { parallelCoordinates } from './parallel-coordinates';

const point = (index: number, valBpb: number, config: Record<string, unknown>, simulated = false): Point => ({
  taskId: `t${index}`,
  index,
  valBpb,
  finishedAt: index,
  config,
  simulated,
});

describe('parallelCoordinates', () => {
  const space = { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 }, schedule: { type: 'choice', values: ['cosine', 'linear'] } };
  const points = [
    point(0, 2.5, { lr: 1e-4, schedule: 'linear' }),
    point(1, 2.1, { lr: 1e-2, schedule: 'cosine' }),
    point(2, 2.3, { lr: 1e-3, schedule: 'cosine' }),
    point(3, 1.0, { lr: 1e-3, schedule: 'linear' }, true),
  ];

  it('draws the best real results, best first, on log and category axes plus val_bpb with the best on top', () => {
    const { axes, lines } = parallelCoordinates(points, paramAxes(points, space), 2);
    expect(axes.map((axis) => axis.name)).toEqual(['lr', 'schedule', 'val_bpb']);
    expect(axes[0]!.log).toBe(true);
    // The simulated 1.0 is left out; the top two real results remain.
    expect(lines.map((line) => [line.index, line.rank])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    // lr 1e-2 is the top of the log axis spanning all real results (1e-4 … 1e-2); 1e-3 its middle.
    expect(lines[0]!.values[0]).toBeCloseTo(1, 9);
    expect(lines[1]!.values[0]).toBeCloseTo(0.5, 9);
    // Categories: cosine and linear at the two ends.
    expect(axes[1]!.ticks.map((tick) => tick.label)).toEqual(['cosine', 'linear']);
    expect(lines[0]!.values[1]).toBe(0);
    // val_bpb: the best at the top, the worst shown at the bottom.
    expect(lines.map((line) => line.values[2])).toEqual([1, 0]);
  });

  it('leaves a gap where a config lacks a parameter, and has nothing to draw without results', () => {
    const sparse = [...points.slice(0, 3), point(4, 2.0, { schedule: 'cosine' })];
    const { lines } = parallelCoordinates(sparse, paramAxes(sparse, space));
    expect(lines[0]!.index).toBe(4);
    expect(lines[0]!.values[0]).toBeNull();
    expect(parallelCoordinates([], paramAxes([], space)).lines).toEqual([]);
  });
});
