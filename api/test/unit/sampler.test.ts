import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/modules/campaigns/prng.ts';
import { gridSize, roundFloat, sampleTasks } from '../../src/modules/campaigns/sampler.ts';
import { parseSearchSpace, type SearchSpace } from '../../src/modules/campaigns/search-space.ts';

function space(input: unknown): SearchSpace {
  const result = parseSearchSpace(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.space;
}

const DEMO = space({
  lr: { type: 'loguniform', low: 0.0003, high: 0.003 },
  schedule: { type: 'choice', values: ['cosine', 'linear', 'constant'] },
  n_layer: { type: 'int', low: 1, high: 4 },
  dropout: { type: 'uniform', low: 0, high: 0.2 },
  n_head: 4,
});

describe('Prng', () => {
  it('produces a fixed stream for a seed (golden values)', () => {
    const rng = new Prng(42);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([3825871779, 1851418855, 1383259262]);
  });

  it('matches an independent textbook SFC32 + SplitMix32 implementation', () => {
    // Written the common way (bryc's "PRNGs in JavaScript"), independently of src/.
    const reference = (seed: number) => {
      let s = seed | 0;
      const splitmix = () => {
        s = (s + 0x9e3779b9) | 0;
        let t = s ^ (s >>> 16);
        t = Math.imul(t, 0x21f0aaad);
        t = t ^ (t >>> 15);
        t = Math.imul(t, 0x735a2d97);
        return (t ^ (t >>> 15)) >>> 0;
      };
      let a = splitmix() | 0, b = splitmix() | 0, c = splitmix() | 0, d = splitmix() | 0;
      return () => {
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        return t >>> 0;
      };
    };
    for (const seed of [0, 1, 42, 2 ** 31 - 1]) {
      const next = reference(seed);
      for (let i = 0; i < 12; i++) next();
      const rng = new Prng(seed);
      for (let i = 0; i < 1000; i++) expect(rng.nextUint32()).toBe(next());
    }
  });

  it('gives different streams for different seeds and stays in [0, 1)', () => {
    const a = new Prng(1);
    const b = new Prng(2);
    const draws = Array.from({ length: 1000 }, () => a.nextFloat());
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(a.nextUint32()).not.toBe(b.nextUint32());
  });
});

describe('sampleTasks', () => {
  it('yields the golden configs for seed 0, byte for byte', () => {
    const tasks = sampleTasks(DEMO, 'random', 3, 0);
    expect(tasks.map((task) => JSON.stringify(task))).toEqual([
      '{"index":0,"seed":274091943,"config":{"dropout":0.05109,"lr":0.0009859,"n_head":4,"n_layer":2,"schedule":"constant"}}',
      '{"index":1,"seed":1516994227,"config":{"dropout":0.1683,"lr":0.0003919,"n_head":4,"n_layer":2,"schedule":"linear"}}',
      '{"index":2,"seed":508064119,"config":{"dropout":0.05835,"lr":0.0006694,"n_head":4,"n_layer":1,"schedule":"linear"}}',
    ]);
  });

  it('is deterministic and independent of key order in the brief', () => {
    const reordered = space({
      n_head: 4,
      dropout: { type: 'uniform', low: 0, high: 0.2 },
      n_layer: { type: 'int', low: 1, high: 4 },
      schedule: { type: 'choice', values: ['cosine', 'linear', 'constant'] },
      lr: { type: 'loguniform', low: 0.0003, high: 0.003 },
    });
    expect(JSON.stringify(sampleTasks(reordered, 'random', 50, 123))).toBe(JSON.stringify(sampleTasks(DEMO, 'random', 50, 123)));
    expect(JSON.stringify(sampleTasks(DEMO, 'random', 50, 124))).not.toBe(JSON.stringify(sampleTasks(DEMO, 'random', 50, 123)));
  });

  it('keeps every sample inside its bounds, rounded to 4 significant digits', () => {
    for (const task of sampleTasks(DEMO, 'random', 2000, 9)) {
      const { lr, dropout, n_layer, schedule } = task.config as Record<string, number | string>;
      expect(lr).toBeGreaterThanOrEqual(0.0003);
      expect(lr).toBeLessThanOrEqual(0.003);
      expect(roundFloat(lr as number)).toBe(lr);
      expect(dropout).toBeGreaterThanOrEqual(0);
      expect(dropout).toBeLessThanOrEqual(0.2);
      expect([1, 2, 3, 4]).toContain(n_layer);
      expect(['cosine', 'linear', 'constant']).toContain(schedule);
      expect(task.seed).toBeGreaterThanOrEqual(0);
      expect(task.seed).toBeLessThan(2 ** 31);
    }
  });

  it('covers a loguniform range evenly in log space', () => {
    const lrs = sampleTasks(space({ lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } }), 'random', 4000, 5).map((t) => t.config.lr as number);
    const belowMiddle = lrs.filter((lr) => lr < 1e-3).length / lrs.length;
    expect(belowMiddle).toBeGreaterThan(0.45);
    expect(belowMiddle).toBeLessThan(0.55);
  });

  it('walks a grid in lexicographic order and wraps with fresh seeds', () => {
    const grid = space({
      lr: { type: 'loguniform', low: 0.001, high: 0.1, points: 3 },
      schedule: { type: 'choice', values: ['cosine', 'linear'] },
      n_layer: { type: 'int', low: 1, high: 3, step: 2 },
    });
    expect(gridSize(grid)).toEqual({ size: 12 });
    const tasks = sampleTasks(grid, 'grid', 14, 0);
    expect(tasks.slice(0, 4).map((t) => t.config)).toEqual([
      { lr: 0.001, n_layer: 1, schedule: 'cosine' },
      { lr: 0.001, n_layer: 1, schedule: 'linear' },
      { lr: 0.001, n_layer: 3, schedule: 'cosine' },
      { lr: 0.001, n_layer: 3, schedule: 'linear' },
    ]);
    expect(tasks[4]!.config).toEqual({ lr: 0.01, n_layer: 1, schedule: 'cosine' });
    expect(tasks[12]!.config).toEqual(tasks[0]!.config);
    expect(tasks[12]!.seed).not.toBe(tasks[0]!.seed);
  });

  it('refuses a grid over a continuous parameter without points, with a field error', () => {
    expect(gridSize(space({ lr: { type: 'uniform', low: 0, high: 1 } }))).toEqual({
      errors: [{ path: ['searchSpace', 'lr', 'points'], message: expect.stringMatching(/needs "points"/) }],
    });
  });

  it('refuses grids that are too large', () => {
    const huge = space({ a: { type: 'int', low: 0, high: 9999 }, b: { type: 'int', low: 0, high: 9999 } });
    expect(gridSize(huge)).toMatchObject({ errors: [{ message: expect.stringMatching(/at most 1000000/) }] });
  });
});
